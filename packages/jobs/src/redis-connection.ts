import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import { parseRedisUrl } from './redis-url.ts';

/**
 * BullMQ's production rules: a producer (the API) fails fast while Redis is away so a request
 * gets an answer instead of hanging; a worker waits for Redis forever.
 */
export type RedisRole = 'producer' | 'worker';

/** What createRedisConnection returns: one Redis, or a Redis Cluster (REDIS_URL redis+cluster://…). */
export type RedisClient = Redis | Cluster;

/** A producer's time limit for one command, when none is configured (REDIS_COMMAND_TIMEOUT_MS). */
export const DEFAULT_COMMAND_TIMEOUT_MS = 2_000;

/** Reconnection back-off, to one node or to a whole cluster: 200 ms more each attempt, at most 2 s. */
const retryDelay = (attempt: number) => Math.min(attempt * 200, 2_000);

/**
 * The one place a Redis connection is made: parses REDIS_URL (redis-url.ts) and returns a Redis, or a
 * Cluster for a redis+cluster:// URL, with the options of its role. Every Redis use (BullMQ's queues and
 * workers, the readiness PING, the worker's start-up check, rate limits) goes through here, so each
 * works on a Cluster as on one Redis.
 */
export function createRedisConnection(redisUrl: string, role: RedisRole, options: { commandTimeoutMs?: number } = {}): RedisClient {
  const target = parseRedisUrl(redisUrl);
  // A producer's command also has a time limit: a Redis that accepts the connection but does not answer
  // (paused, overloaded, a half-open socket) would otherwise hold a request until TCP gives up. A
  // worker's commands wait for Redis forever: BullMQ requires maxRetriesPerRequest null on them.
  const perNode: RedisOptions =
    role === 'producer'
      ? { maxRetriesPerRequest: 1, connectTimeout: 1_000, commandTimeout: options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS }
      : { maxRetriesPerRequest: null, enableReadyCheck: true };
  // A producer refuses commands while Redis is not ready instead of queueing them.
  const enableOfflineQueue = role !== 'producer';
  let connection: RedisClient;
  if (target.kind === 'standalone') {
    connection = new Redis(target.url, { lazyConnect: false, retryStrategy: retryDelay, enableOfflineQueue, ...perNode });
  } else {
    const clusterOptions: ClusterOptions = {
      lazyConnect: false,
      enableOfflineQueue,
      // Ready once CLUSTER INFO says cluster_state:ok, so a producer does not take jobs for slots nobody serves.
      enableReadyCheck: true,
      clusterRetryStrategy: retryDelay,
      redisOptions: {
        ...perNode,
        ...(target.username === undefined ? {} : { username: target.username }),
        ...(target.password === undefined ? {} : { password: target.password }),
        ...(target.tls ? { tls: {} } : {}),
      },
      // With TLS the nodes are reached by the names given, so that certificates naming them verify (by
      // default ioredis resolves the seeds to addresses first).
      ...(target.tls ? { dnsLookup: (address: string, callback: (error: null, address: string) => void) => callback(null, address) } : {}),
    };
    connection = new Cluster(target.nodes, clusterOptions);
  }
  // Reconnection is handled by the retry strategies; an unhandled 'error' event would crash the process.
  connection.on('error', () => {});
  return connection;
}

export function isCluster(connection: RedisClient): connection is Cluster {
  return connection instanceof Cluster;
}

/**
 * The connections to every master: one Redis is its own only master. For what a cluster does not route
 * by key: INFO of each server, SCAN of each keyspace. Waits until the connection is ready (a worker's
 * connection queues the first command until then).
 */
export async function masterConnections(connection: RedisClient): Promise<Redis[]> {
  if (!isCluster(connection)) return [connection];
  if (connection.status !== 'ready') await connection.ping();
  return connection.nodes('master');
}
