import { z } from 'zod';
import { defineJob, RETENTION } from './define-job.ts';

/** Version 1 of the webhook job: one delivery (one URL, one body), attempted until answered. */
export const NotifyJobV1Schema = z.object({
  v: z.literal(1),
  deliveryId: z.string().regex(/^msg_[A-Za-z0-9_-]+$/),
});
export type NotifyJobV1 = z.infer<typeof NotifyJobV1Schema>;

export const notifyJob = defineJob({
  kind: 'notify',
  queue: 'notify',
  schema: NotifyJobV1Schema,
  // The webhook schedule (minutes to a day apart) is kept by the handler itself, which re-delays
  // the job; BullMQ's attempts only cover crashes of the handler.
  options: { attempts: 5, backoff: { type: 'exponential', delay: 1_000 }, ...RETENTION },
});
