export { type AttemptOutcome, classifyResponse, parseRetryAfter, type ResponseOutcome } from './attempt-outcome.ts';
export {
  type AttemptResult,
  deliverOnce,
  WEBHOOK_TIMEOUT_MS,
  WEBHOOK_USER_AGENT,
  type WebhookRequest,
  webhookFetcherOptions,
} from './deliver-webhook.ts';
export {
  buildUploadNotification,
  buildEagerNotification,
  buildInfoNotification,
  buildModerationNotification,
  buildResourceNotification,
  notificationTimestamp,
  serializeNotification,
  type UploadNotificationOptions,
} from './notification-payload.ts';
export { DEFAULT_SCHEDULE_MS, JITTER_FRACTION, MAX_RETRY_AFTER_MS, type NextDelayInput, nextDelayMs, parseSchedule } from './retry-schedule.ts';
export {
  type CloudinarySignatureHeaders,
  cloudinarySignatureHeaders,
  deliveryHeaders,
  generateWebhookSecret,
  newMessageId,
  type StandardWebhookHeaders,
  standardWebhookHeaders,
  webhookSecretKey,
} from './signing.ts';
export { attemptKnownDelivery, attemptWebhookDelivery } from './webhook-attempts.ts';
export type { WebhookAttemptDependencies, AttemptVerdict, KnownDelivery } from './webhook-attempts.ts';
export {
  createDirectDeliveries,
  DEFAULT_DIRECT_LEASE_MS,
  fallbackDelayMs,
  type DirectDeliveries,
  type DirectDeliveryOptions,
  type FreshDelivery,
} from './direct-deliveries.ts';
export { checkedNotificationUrl } from './notification-url.ts';
export { createNotifyHandler } from './notify-handler.ts';
