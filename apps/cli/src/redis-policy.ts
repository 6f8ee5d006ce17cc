import { createRedisConnection, masterConnections } from '@rendition/jobs';
import type { Logger } from '@rendition/logging';

/**
 * BullMQ keeps jobs as Redis keys: a Redis that may evict keys may silently drop accepted work,
 * so workers refuse to start on one unless the development switch says otherwise. Without AOF a
 * Redis crash loses acknowledged jobs too (measured: all of them), which the relay can only
 * recover from PostgreSQL later, so that is a warning. On a Redis Cluster every master is checked.
 */
export async function checkRedisForQueues(redisUrl: string, options: { allowEviction: boolean; logger: Logger }): Promise<void> {
  const connection = createRedisConnection(redisUrl, 'worker');
  try {
    for (const node of await masterConnections(connection)) {
      const info = await node.info();
      const field = (name: string) => new RegExp(`^${name}:(.*)$`, 'm').exec(info)?.[1]?.trim();
      const policy = field('maxmemory_policy');
      const aof = field('aof_enabled');
      const server = node === connection ? 'Redis' : `Redis ${node.options.host ?? ''}:${node.options.port ?? ''}`;
      if (policy !== undefined && policy !== 'noeviction') {
        const message = `${server} maxmemory-policy is ${policy}; queues need noeviction (set REDIS_ALLOW_EVICTION=true only for development)`;
        if (!options.allowEviction) throw new Error(message);
        options.logger.warn(message);
      }
      if (aof === '0') options.logger.warn(`${server} runs without AOF: a Redis crash loses queued jobs until the outbox relay re-queues them`);
    }
  } finally {
    connection.disconnect();
  }
}
