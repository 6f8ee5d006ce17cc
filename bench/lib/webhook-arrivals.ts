import { performance } from 'node:perf_hooks';
import { startWebhookReceiver } from '@rendition/testing';
import type { Cleanup } from './cleanup.ts';

/** Per webhook path, who waits for it: called with the moment it arrived and its body. */
export type Arrivals = Map<string, (at: number, body: string) => void>;

/**
 * A webhook receiver on loopback whose responder runs as each delivery arrives: that is the moment
 * handed to the waiter registered in `arrivals` for its path. Closed with the rest of the bench.
 */
export async function startArrivalReceiver(cleanup: Cleanup): Promise<{ url: string; arrivals: Arrivals }> {
  const arrivals: Arrivals = new Map();
  const receiver = await startWebhookReceiver((webhook) => {
    arrivals.get(webhook.path)?.(performance.now(), webhook.body);
    return { status: 200 };
  });
  cleanup.add('webhook receiver', () => receiver.close());
  return { url: receiver.url, arrivals };
}
