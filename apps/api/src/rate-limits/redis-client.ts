import type { createRedisConnection } from '@rendition/jobs';

/** The API's producer connection to Redis (@rendition/jobs): the one kind of client the rate limits use. */
export type RedisClient = ReturnType<typeof createRedisConnection>;
