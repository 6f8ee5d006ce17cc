export { finishJob } from './finish-job.ts';
export type { BatchJobDependencies, FinishJobInput, FinishJobResult } from './finish-job.ts';
export type { BatchResult, BatchResultChange, EagerResultItem, RawConvertEntry } from './batch-result.ts';
export { notificationsForBatch, uploadNotifications } from './batch-notifications.ts';
export { waitForBatch, waitForJob } from './outcome-waits.ts';
export type { OutcomeWaitDependencies } from './outcome-waits.ts';
export { describeBatch, replayNotification } from './batch-status.ts';
export { notifyChange, notifyModeration, recordFinishedWork } from './change-notifications.ts';
