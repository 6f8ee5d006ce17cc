import { cloudWebhookSettings, findApiKey, findDeliveryToAttempt, recordDeliveryAttempt, type CatalogDb } from '@rendition/catalog';
import type { GuardedFetcher } from '@rendition/net';
import { deliverOnce } from './deliver-webhook.ts';
import { nextDelayMs } from './retry-schedule.ts';
import { deliveryHeaders, generateWebhookSecret } from './signing.ts';

export interface WebhookAttemptDependencies {
  db: CatalogDb;
  fetcher: GuardedFetcher;
  schedule: readonly number[];
  /** Shrinks the schedule (tests run a day's schedule in seconds). */
  scheduleScale: number;
  timeoutMs: number;
  signatureAlgorithm: 'sha1' | 'sha256';
}

export type AttemptVerdict = { kind: 'finished' } | { kind: 'retry'; delayMs: number };

/**
 * One delivery attempt: sign with a fresh timestamp (the SDK refuses signatures older than two
 * hours, and retries run for a day), POST, record the attempt and decide what comes next.
 */
export async function attemptWebhookDelivery(deps: WebhookAttemptDependencies, deliveryId: string, signal?: AbortSignal): Promise<AttemptVerdict> {
  const delivery = await findDeliveryToAttempt(deps.db, deliveryId);
  if (!delivery || delivery.finishedAt !== null) return { kind: 'finished' };
  // Not before its time: a queued job that fires early (a direct attempt's fallback) waits for the schedule.
  const early = delivery.nextAttemptAt.getTime() - Date.now();
  if (early > EARLY_TOLERANCE_MS) return { kind: 'retry', delayMs: early };
  return attemptKnownDelivery(deps, delivery, signal);
}

/** A queued attempt this much ahead of the delivery's next_attempt_at runs anyway (clocks and jitter). */
const EARLY_TOLERANCE_MS = 1_000;

/** What one attempt needs to know of its delivery. */
export interface KnownDelivery {
  id: string;
  cloudName: string;
  url: string;
  body: string;
  /** Attempts made before this one. */
  attempts: number;
  /** The key of the request that made it (its batch's); null when the batch is gone. */
  apiKey: string | null;
}

/**
 * One attempt of a delivery whose row the caller has read or has just written itself (directly
 * after the transaction that made it: direct-deliveries.ts), so nothing is read again first.
 */
export async function attemptKnownDelivery(deps: WebhookAttemptDependencies, delivery: KnownDelivery, signal?: AbortSignal): Promise<AttemptVerdict> {
  const deliveryId = delivery.id;
  const credentials = delivery.apiKey === null ? undefined : await findApiKey(deps.db, delivery.apiKey);
  if (!credentials) {
    // The key that made the request was deleted: nothing may sign this delivery any more.
    await recordDeliveryAttempt(deps.db, {
      deliveryId,
      attempt: { attemptedAt: new Date(), statusCode: null, latencyMs: 0, outcome: 'stopped', error: 'The API key of the request no longer exists' },
      next: { status: 'stopped' },
    });
    return { kind: 'finished' };
  }
  const { webhookSecret } = await cloudWebhookSettings(deps.db, delivery.cloudName, generateWebhookSecret);
  const headers = deliveryHeaders(delivery.body, {
    messageId: delivery.id,
    timestampSeconds: Math.floor(Date.now() / 1000),
    apiSecret: credentials.apiSecret,
    algorithm: deps.signatureAlgorithm,
    webhookSecret,
  });
  const result = await deliverOnce(
    deps.fetcher,
    { url: delivery.url, body: delivery.body, headers: { ...headers } },
    {
      timeoutMs: deps.timeoutMs,
      ...(signal ? { signal } : {}),
    },
  );
  const attempt = {
    attemptedAt: result.startedAt,
    statusCode: result.status,
    latencyMs: Math.round(result.latencyMs),
    outcome: result.outcome.kind === 'stop' ? `stopped:${result.outcome.reason}` : result.outcome.kind,
    error: result.error,
  };

  if (result.outcome.kind === 'delivered' || result.outcome.kind === 'stop') {
    await recordDeliveryAttempt(deps.db, {
      deliveryId,
      attempt,
      next: { status: result.outcome.kind === 'delivered' ? 'delivered' : 'stopped' },
    });
    return { kind: 'finished' };
  }
  const delay = nextDelayMs({
    attemptsMade: delivery.attempts + 1,
    schedule: deps.schedule,
    scale: deps.scheduleScale,
    jitter: Math.random,
    ...(result.outcome.retryAfterMs === undefined ? {} : { retryAfterMs: result.outcome.retryAfterMs }),
  });
  if (delay === 'exhausted') {
    await recordDeliveryAttempt(deps.db, { deliveryId, attempt, next: { status: 'exhausted' } });
    return { kind: 'finished' };
  }
  await recordDeliveryAttempt(deps.db, { deliveryId, attempt, next: { status: 'pending', nextAttemptAt: new Date(Date.now() + delay) } });
  return { kind: 'retry', delayMs: delay };
}
