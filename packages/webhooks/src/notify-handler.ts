import { RunLaterError, type JobHandler } from '@rendition/jobs';
import { attemptWebhookDelivery, type WebhookAttemptDependencies } from './webhook-attempts.ts';

/**
 * The `notify` job: one webhook attempt per run. A failed attempt runs this same job again at the
 * next slot of the schedule (so the webhook-id and the queue job stay the same across retries);
 * BullMQ's own retries are left for crashes of the handler itself.
 */
export function createNotifyHandler(deps: WebhookAttemptDependencies & { close?(drained: boolean): Promise<void> }): JobHandler<'notify'> {
  return {
    async handle(payload) {
      const verdict = await attemptWebhookDelivery(deps, payload.deliveryId);
      if (verdict.kind === 'retry') throw new RunLaterError(verdict.delayMs);
    },
    ...(deps.close ? { close: deps.close } : {}),
  };
}
