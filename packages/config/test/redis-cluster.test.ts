import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.ts';

const CWD = '/srv/rendition';

function problemOf(env: Record<string, string>): string {
  try {
    loadConfig(env, CWD);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems.join('\n');
  }
  throw new Error(`expected a ConfigError for ${JSON.stringify(env)}`);
}

describe('Redis Cluster settings', () => {
  it('keeps one Redis and the plain prefix by default', () => {
    expect(loadConfig({}, CWD)).toMatchObject({ redisUrl: 'redis://127.0.0.1:6379', queuePrefix: 'rendition' });
    expect(loadConfig({ REDIS_URL: 'rediss://:pw@redis.example:6380/1', QUEUE_PREFIX: 'app' }, CWD)).toMatchObject({
      redisUrl: 'rediss://:pw@redis.example:6380/1',
      queuePrefix: 'app',
    });
  });

  it('takes a redis+cluster:// URL and hash-tags the queue prefix', () => {
    expect(loadConfig({ REDIS_URL: 'redis+cluster://10.0.0.1:7000,10.0.0.2:7000' }, CWD)).toMatchObject({
      redisUrl: 'redis+cluster://10.0.0.1:7000,10.0.0.2:7000',
      queuePrefix: '{rendition}',
    });
    expect(loadConfig({ REDIS_URL: 'rediss+cluster://app:p%40ss@cfg.cache.example:6379/', QUEUE_PREFIX: 'tenant-a' }, CWD)).toMatchObject({
      queuePrefix: '{tenant-a}',
    });
    // A prefix given as a hash tag is kept, on a cluster and on one Redis alike.
    expect(loadConfig({ REDIS_URL: 'redis+cluster://h:7000', QUEUE_PREFIX: '{rendition}' }, CWD).queuePrefix).toBe('{rendition}');
    expect(loadConfig({ QUEUE_PREFIX: '{rendition}' }, CWD).queuePrefix).toBe('{rendition}');
  });

  it('folds REDIS_CLUSTER_NODES into the URL, keeping REDIS_URL credentials and TLS only', () => {
    expect(loadConfig({ REDIS_CLUSTER_NODES: 'redis-0.redis:6379, redis-1.redis:6379,[::1]:7000' }, CWD)).toMatchObject({
      redisUrl: 'redis+cluster://redis-0.redis:6379,redis-1.redis:6379,[::1]:7000',
      queuePrefix: '{rendition}',
    });
    expect(loadConfig({ REDIS_URL: 'rediss://app:s%3Acret@ignored-host:6380/0', REDIS_CLUSTER_NODES: 'a:7000,b:7001' }, CWD).redisUrl).toBe(
      'rediss+cluster://app:s%3Acret@a:7000,b:7001',
    );
    expect(loadConfig({ REDIS_URL: 'redis+cluster://:pw@old:1', REDIS_CLUSTER_NODES: 'new:2' }, CWD).redisUrl).toBe('redis+cluster://:pw@new:2');
  });

  it('refuses forms a cluster cannot take', () => {
    expect(problemOf({ REDIS_URL: 'http://redis:6379' })).toMatch(/^REDIS_URL=.*redis\+cluster:\/\//);
    expect(problemOf({ REDIS_URL: 'redis+cluster://h:7000/2' })).toMatch(/^REDIS_URL=/);
    expect(problemOf({ REDIS_URL: 'redis+cluster://h:7000?x=1' })).toMatch(/^REDIS_URL=/);
    expect(problemOf({ REDIS_URL: 'redis+cluster://' })).toMatch(/^REDIS_URL=/);
    expect(problemOf({ REDIS_CLUSTER_NODES: 'a:7000;b:7000' })).toMatch(/^REDIS_CLUSTER_NODES=.*host:port/);
    expect(problemOf({ REDIS_CLUSTER_NODES: 'http://a:7000' })).toMatch(/^REDIS_CLUSTER_NODES=/);
    expect(problemOf({ QUEUE_PREFIX: '{a}b' })).toMatch(/^QUEUE_PREFIX=/);
    expect(problemOf({ QUEUE_PREFIX: 'a:b' })).toMatch(/^QUEUE_PREFIX=/);
  });
});
