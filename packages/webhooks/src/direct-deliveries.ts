import { runOutsideStatementTally } from '@rendition/catalog';
import type { JobQueues } from '@rendition/jobs';
import type { Logger } from '@rendition/logging';
import { attemptKnownDelivery, type AttemptVerdict, type WebhookAttemptDependencies } from './webhook-attempts.ts';

/** A delivery its batch's transaction has just committed, with what its first attempt needs. */
export interface FreshDelivery {
  id: string;
  cloudName: string;
  url: string;
  body: string;
  /** The key of the request (the batch's): it signs the notification. */
  apiKey: string;
}

/**
 * Queues the notify jobs of freshly committed deliveries. Where it can, it also makes the first
 * attempt at once, in this process (no queue hop, no re-read of the rows it knows), and the queued
 * job waits as the fallback: a lease (`leaseMs`) that this process pushes back while the attempt
 * runs, so the job runs beside no live attempt, and runs soon after this process dies mid-attempt
 * (or, if even queueing failed, the outbox relay delivers later). The job finds the delivery
 * finished, or postponed to its schedule's next slot, and then does nothing early (attemptWebhookDelivery).
 */
export interface DirectDeliveries {
  queue(delivery: FreshDelivery): Promise<void>;
  /** Waits for the attempts in flight (each bounded by the webhook timeout). */
  close(): Promise<void>;
}

export interface DirectDeliveryOptions {
  queues: Pick<JobQueues, 'enqueue' | 'postpone' | 'withdraw'>;
  /** One attempt of a delivery nobody attempted yet (attemptKnownDelivery with its dependencies, by default). */
  attempt?: (delivery: FreshDelivery) => Promise<AttemptVerdict>;
  logger: Logger;
  /** At most this many attempts in flight (WORKER_CONCURRENCY_NOTIFY); past it, deliveries go to the queue. */
  maxInFlight: number;
  /** WEBHOOK_DIRECT_LEASE_MS: how long the fallback waits, pushed back by this much while the attempt runs (DEFAULT_DIRECT_LEASE_MS). */
  leaseMs?: number;
}

/** How long a direct attempt's fallback waits after this process last renewed it; renewed five times as often. */
export const DEFAULT_DIRECT_LEASE_MS = 5_000;

/**
 * How long the queued fallback waits. With renewals (a queue that can postpone a job) the lease,
 * renewed while the attempt runs; without, longer than an attempt may take, so a live attempt is
 * always recorded before its fallback runs.
 */
export function fallbackDelayMs(timeoutMs: number, leaseMs: number | undefined): number {
  const wholeAttempt = timeoutMs + 10_000;
  return leaseMs === undefined ? wholeAttempt : Math.min(leaseMs, wholeAttempt);
}

export function createDirectDeliveries(deps: WebhookAttemptDependencies, options: DirectDeliveryOptions): DirectDeliveries {
  const inFlight = new Set<Promise<void>>();
  // After close (shutdown), a batch that still ends hands its webhooks to the queue: the fetcher is closing.
  let closed = false;
  const { queues } = options;
  const fallbackMs = fallbackDelayMs(deps.timeoutMs, queues.postpone ? (options.leaseMs ?? DEFAULT_DIRECT_LEASE_MS) : undefined);
  // A fallback that waits less than an attempt may take is pushed back while the attempt runs.
  const renewalMs = fallbackMs < fallbackDelayMs(deps.timeoutMs, undefined) ? fallbackMs / 5 : undefined;

  const attemptOnce = options.attempt ?? ((delivery: FreshDelivery) => attemptKnownDelivery(deps, { ...delivery, attempts: 0 }));
  const attempt = async (delivery: FreshDelivery, queued: Promise<void>): Promise<void> => {
    // One renewal at a time, each after the job is in Redis (there is nothing to move before).
    let renewed: Promise<void> = queued;
    const renewal =
      renewalMs === undefined
        ? undefined
        : setInterval(() => {
            renewed = renewed.then(() => queues.postpone?.('notify', delivery.id, fallbackMs)).catch(() => {});
          }, renewalMs).unref();
    let verdict: AttemptVerdict;
    try {
      verdict = await attemptOnce(delivery);
    } finally {
      clearInterval(renewal);
    }
    // Whatever follows comes after the last renewal, which would move the job back, and after the job
    // is in Redis (there is nothing to move or remove before).
    if (verdict.kind === 'finished') {
      // Recorded: the fallback would only read the delivery and find it done (a job run and a
      // statement per webhook). If it cannot be withdrawn (running already, Redis away), it does
      // that. Not awaited: the attempt's slot is free once the attempt is recorded.
      void renewed.then(() => queues.withdraw?.('notify', delivery.id)).catch(() => {});
      return;
    }
    await renewed;
    // The next attempt is the queued job's, at the schedule's next slot instead of the fallback's.
    await queues.postpone?.('notify', delivery.id, verdict.delayMs);
  };

  return {
    queue(delivery) {
      const payload = { v: 1 as const, deliveryId: delivery.id };
      if (closed || inFlight.size >= options.maxInFlight) return options.queues.enqueue('notify', payload, delivery.id);
      const queued = options.queues.enqueue('notify', payload, delivery.id, { delayMs: fallbackMs });
      // Its statements are the webhook's, not those of the job that ended the batch.
      const running = runOutsideStatementTally(() =>
        attempt(
          delivery,
          queued.catch(() => {}),
        ),
      )
        .catch((error: unknown) =>
          options.logger.warn({ err: error, deliveryId: delivery.id }, 'direct webhook attempt failed; its queued job will retry'),
        )
        .finally(() => inFlight.delete(running));
      inFlight.add(running);
      return queued;
    },
    async close() {
      closed = true;
      await Promise.allSettled([...inFlight]);
    },
  };
}
