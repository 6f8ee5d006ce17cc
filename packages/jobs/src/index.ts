export { createRedisConnection } from './redis-connection.ts';
export type { RedisRole } from './redis-connection.ts';
export { JOBS, QUEUE_NAMES, isQueueName } from './job-registry.ts';
export type { JobKind, JobPayload, QueueName, JobDefinition } from './job-registry.ts';
export { createJobQueues } from './job-queues.ts';
export type { JobQueues } from './job-queues.ts';
export { IngestJobV1Schema, IngestSourceSchema } from './ingest.job.ts';
export type { IngestJobV1, IngestSource } from './ingest.job.ts';
