import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import { attemptWebhookDelivery, type WebhookAttemptDependencies } from '@rendition/batches';
import { NotifyJobV1Schema } from '@rendition/jobs';

/**
 * One webhook attempt per run. A failed attempt re-delays this same job to the next slot of the
 * schedule (so the webhook-id and the queue job stay the same across retries); BullMQ's own
 * retries are left for crashes of the processor itself.
 */
export function createNotifyProcessor(deps: WebhookAttemptDependencies) {
  return async function processNotify(job: Job, token?: string): Promise<void> {
    const parsed = NotifyJobV1Schema.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`Malformed notify payload: ${parsed.error.message}`);
    const verdict = await attemptWebhookDelivery(deps, parsed.data.deliveryId);
    if (verdict.kind === 'finished') return;
    await job.moveToDelayed(Date.now() + verdict.delayMs, token);
    throw new DelayedError();
  };
}
