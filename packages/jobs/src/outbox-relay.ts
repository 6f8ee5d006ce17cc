import { findUnfinishedDeliveries, findUnfinishedJobs, type CatalogDb } from '@rendition/catalog';
import type { Logger } from '@rendition/logging';
import { isQueueName } from './define-job.ts';
import { isJobKind } from './job-registry.ts';
import type { JobQueues } from './job-queues.ts';
import { startPeriodicTask } from './periodic-task.ts';

export interface OutboxRelay {
  /** One pass: every unfinished job or delivery that Redis does not hold is queued again. */
  runOnce(): Promise<{ jobs: number; deliveries: number }>;
  stop(): Promise<void>;
}

const BATCH_SIZE = 500;

/**
 * PostgreSQL is the system of record; Redis only carries work in flight. This relay makes Redis
 * catch up after a restart, a failover or a FLUSHALL. Re-adding is safe: job ids are the outbox
 * ids, BullMQ ignores a duplicate id, and every handler is idempotent.
 */
export function startOutboxRelay(options: {
  db: CatalogDb;
  queues: JobQueues;
  logger: Logger;
  intervalMs: number;
  /** Rows younger than this may still be on their way into Redis from the request that made them. */
  graceMs: number;
}): OutboxRelay {
  const { db, queues, logger } = options;

  const runOnce = async () => {
    const olderThan = new Date(Date.now() - options.graceMs);
    let jobs = 0;
    for (const row of await findUnfinishedJobs(db, olderThan, BATCH_SIZE)) {
      if (!isQueueName(row.queue) || !isJobKind(row.kind)) continue;
      if (await queues.isQueued(row.queue, row.id)) continue;
      await queues.enqueue(row.kind, row.payload as never, row.id);
      jobs += 1;
    }
    let deliveries = 0;
    for (const delivery of await findUnfinishedDeliveries(db, olderThan, BATCH_SIZE)) {
      if (await queues.isQueued('notify', delivery.jobId)) continue;
      await queues.enqueue('notify', { v: 1, deliveryId: delivery.id }, delivery.jobId, {
        delayMs: delivery.nextAttemptAt.getTime() - Date.now(),
      });
      deliveries += 1;
    }
    if (jobs + deliveries > 0) logger.warn({ jobs, deliveries }, 'relay re-queued work that Redis had lost');
    return { jobs, deliveries };
  };

  const task = startPeriodicTask(runOnce, {
    intervalMs: options.intervalMs,
    onError: (error) => logger.warn({ err: error }, 'relay pass failed; will retry'),
  });
  return { runOnce, stop: task.stop };
}
