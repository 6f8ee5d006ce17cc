import { Worker, type Job, type Processor } from 'bullmq';
import { createRedisConnection, type QueueName } from '@rendition/jobs';
import type { Logger } from '@rendition/logging';

export interface QueueHandler {
  processor: Processor;
  concurrency: number;
  /** Called once a job has failed its last attempt. */
  onExhausted?(job: Job, error: Error): Promise<void>;
}

export interface WorkerPool {
  /** Stops taking work; waits for active jobs until the deadline, then abandons them to be retried. */
  close(deadlineMs: number): Promise<void>;
}

// A killed worker's job must be picked up again quickly, and a long decode must not be mistaken
// for a dead worker: locks are renewed every lockDuration/2 by the live process.
const LOCK_DURATION_MS = 15_000;
const STALLED_INTERVAL_MS = 5_000;
const MAX_STALLED_COUNT = 5;

export function startWorkerPool(options: {
  redisUrl: string;
  prefix: string;
  handlers: Partial<Record<QueueName, QueueHandler>>;
  logger: Logger;
}): WorkerPool {
  const workers: Worker[] = [];
  for (const [queue, handler] of Object.entries(options.handlers) as Array<[QueueName, QueueHandler]>) {
    const worker = new Worker(queue, handler.processor, {
      connection: createRedisConnection(options.redisUrl, 'worker'),
      prefix: options.prefix,
      concurrency: handler.concurrency,
      lockDuration: LOCK_DURATION_MS,
      stalledInterval: STALLED_INTERVAL_MS,
      maxStalledCount: MAX_STALLED_COUNT,
    });
    worker.on('error', (error) => options.logger.error({ err: error, queue }, 'worker error'));
    worker.on('failed', (job, error) => {
      if (!job) return;
      const log = { queue, job_id: job.id, attempts: job.attemptsMade, reason: error.message };
      const attempts = job.opts.attempts ?? 1;
      const exhausted = error.name === 'UnrecoverableError' || job.attemptsMade >= attempts;
      if (!exhausted) {
        options.logger.warn(log, 'job failed, will retry');
        return;
      }
      options.logger.info(log, 'job failed');
      if (error.name !== 'UnrecoverableError' && handler.onExhausted) {
        handler.onExhausted(job, error).catch((cause) => options.logger.error({ err: cause, job_id: job.id }, 'recording a failed job'));
      }
    });
    workers.push(worker);
  }
  options.logger.info({ queues: Object.keys(options.handlers) }, 'workers started');
  return {
    async close(deadlineMs) {
      const graceful = Promise.all(workers.map((worker) => worker.close()));
      const timer = new Promise<'timeout'>((resolve) => setTimeout(resolve, deadlineMs, 'timeout').unref());
      if ((await Promise.race([graceful.then(() => 'done' as const), timer])) === 'timeout') {
        options.logger.warn('shutdown deadline reached; active jobs are left to be retried');
        await Promise.all(workers.map((worker) => worker.close(true)));
      }
    },
  };
}


