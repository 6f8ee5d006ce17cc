import type { JobKind, JobPayload } from './job-registry.ts';

export interface JobContext {
  /** The queue's job id (the outbox row's id for batch jobs). */
  jobId: string;
  /** 1 on the first run, then one more for each retry. */
  attempt: number;
  /**
   * Aborted when this process gives the job up (the shutdown deadline hands it back to the queue): a
   * handler running an external process (ffmpeg) kills it then, so the job runs once, elsewhere.
   */
  signal: AbortSignal;
}

/**
 * The worker side of one job kind. The worker pool parses the payload with the kind's schema before
 * calling `handle`, so a handler only ever sees a valid payload; it throws RejectedJobError for bad
 * input (never retried) and anything else for a transient failure (retried by BullMQ).
 */
export interface JobHandler<K extends JobKind> {
  handle(payload: JobPayload<K>, context: JobContext): Promise<unknown>;
  /** After the last attempt failed for an internal reason: record the failure where clients see it. */
  onExhausted?(payload: JobPayload<K>, error: Error, context: JobContext): Promise<void>;
  /** At shutdown; drained=false when jobs were handed back at the deadline and may still be running. */
  close?(drained: boolean): Promise<void>;
}

export type JobHandlers = { [K in JobKind]: JobHandler<K> };

/** Bad input: the job ends now and is not retried (its client-facing error is already recorded). */
export class RejectedJobError extends Error {
  readonly status: number;
  constructor(message: string, options: { status?: number; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'RejectedJobError';
    this.status = options.status ?? 400;
  }
}

/** The handler keeps its own schedule (webhook retries): run this same job again after the delay. */
export class RunLaterError extends Error {
  readonly delayMs: number;
  constructor(delayMs: number) {
    super(`run again in ${delayMs} ms`);
    this.name = 'RunLaterError';
    this.delayMs = delayMs;
  }
}
