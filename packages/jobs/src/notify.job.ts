import { z } from 'zod';

/** Version 1 of the webhook job: one delivery (one URL, one body), attempted until answered. */
export const NotifyJobV1Schema = z.object({
  v: z.literal(1),
  deliveryId: z.string().regex(/^msg_[A-Za-z0-9_-]+$/),
});
export type NotifyJobV1 = z.infer<typeof NotifyJobV1Schema>;
