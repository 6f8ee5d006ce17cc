export { finishBatchJob } from './batch-jobs.ts';
export type { BatchJobDependencies } from './batch-jobs.ts';
export { notificationsForBatch, uploadNotifications } from './batch-notifications.ts';
export { attemptWebhookDelivery } from './webhook-attempts.ts';
export type { WebhookAttemptDependencies, AttemptVerdict } from './webhook-attempts.ts';
export { describeBatch, replayNotification } from './batch-status.ts';
export { notifyChange } from './change-notifications.ts';
export { checkedNotificationUrl } from './notification-url.ts';
