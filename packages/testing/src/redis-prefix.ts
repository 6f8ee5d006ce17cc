import { createRedisConnection, masterConnections, queueKeyPrefix } from '@rendition/jobs';

/**
 * Deletes every key of one queue prefix (a test's or a bench's own), never anything else: the
 * shared Redis also serves other test files running at the same time. On a Redis Cluster the keys
 * are under the hash-tagged prefix (`{prefix}:…`, as the queues write them) and every master is swept.
 */
export async function deleteRedisPrefix(redisUrl: string, prefix: string): Promise<number> {
  if (!/^(?:[A-Za-z0-9_-]+|\{[A-Za-z0-9_-]+\})$/.test(prefix)) throw new Error(`refusing to delete keys of prefix ${JSON.stringify(prefix)}`);
  // Braces are glob-free in SCAN's MATCH, so `{prefix}:*` matches literally.
  const pattern = `${queueKeyPrefix(prefix, redisUrl)}:*`;
  const redis = createRedisConnection(redisUrl, 'worker');
  let deleted = 0;
  try {
    for (const node of await masterConnections(redis)) {
      let cursor = '0';
      do {
        const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
        cursor = next;
        if (keys.length === 0) continue;
        if (node === redis) {
          deleted += await node.unlink(...keys);
        } else {
          // A cluster refuses one command on keys of several slots: one UNLINK per key, pipelined.
          const replies = (await node.pipeline(keys.map((key) => ['unlink', key])).exec()) ?? [];
          deleted += replies.reduce((sum, [, count]) => sum + Number(count ?? 0), 0);
        }
      } while (cursor !== '0');
    }
  } finally {
    redis.disconnect();
  }
  return deleted;
}
