import { Redis, type RedisOptions } from 'ioredis';

/**
 * BullMQ's production rules: a producer (the API) fails fast while Redis is away so a request
 * gets an answer instead of hanging; a worker waits for Redis forever.
 */
export type RedisRole = 'producer' | 'worker';

export function createRedisConnection(redisUrl: string, role: RedisRole): Redis {
  const common: RedisOptions = {
    lazyConnect: false,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
  };
  const options: RedisOptions =
    role === 'producer'
      ? { ...common, enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 1_000 }
      : { ...common, maxRetriesPerRequest: null, enableReadyCheck: true };
  const connection = new Redis(redisUrl, options);
  // Reconnection is handled by retryStrategy; an unhandled 'error' event would crash the process.
  connection.on('error', () => {});
  return connection;
}
