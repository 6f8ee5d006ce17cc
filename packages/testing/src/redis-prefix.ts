import { createRedisConnection } from '@rendition/jobs';

/**
 * Deletes every key of one queue prefix (a test's or a bench's own), never anything else: the
 * shared Redis also serves other test files running at the same time.
 */
export async function deleteRedisPrefix(redisUrl: string, prefix: string): Promise<number> {
  if (!/^[A-Za-z0-9_-]+$/.test(prefix)) throw new Error(`refusing to delete keys of prefix ${JSON.stringify(prefix)}`);
  const redis = createRedisConnection(redisUrl, 'worker');
  let deleted = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) deleted += await redis.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return deleted;
}
