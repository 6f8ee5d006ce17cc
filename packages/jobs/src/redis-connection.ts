import { Redis, type RedisOptions } from 'ioredis';

/**
 * BullMQ's production rules: a producer (the API) fails fast while Redis is away so a request
 * gets an answer instead of hanging; a worker waits for Redis forever.
 */
export type RedisRole = 'producer' | 'worker';

/** A producer's time limit for one command, when none is configured (REDIS_COMMAND_TIMEOUT_MS). */
export const DEFAULT_COMMAND_TIMEOUT_MS = 2_000;

export function createRedisConnection(redisUrl: string, role: RedisRole, options: { commandTimeoutMs?: number } = {}): Redis {
  const common: RedisOptions = {
    lazyConnect: false,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
  };
  // A producer's command also has a time limit: a Redis that accepts the connection but does not answer
  // (paused, overloaded, a half-open socket) would otherwise hold a request until TCP gives up.
  const connectionOptions: RedisOptions =
    role === 'producer'
      ? {
          ...common,
          enableOfflineQueue: false,
          maxRetriesPerRequest: 1,
          connectTimeout: 1_000,
          commandTimeout: options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS,
        }
      : { ...common, maxRetriesPerRequest: null, enableReadyCheck: true };
  const connection = new Redis(redisUrl, connectionOptions);
  // Reconnection is handled by retryStrategy; an unhandled 'error' event would crash the process.
  connection.on('error', () => {});
  return connection;
}
