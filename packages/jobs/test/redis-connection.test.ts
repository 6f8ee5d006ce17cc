import { describe, expect, it } from 'vitest';
import { Cluster, Redis } from 'ioredis';
import {
  createRedisConnection,
  DEFAULT_COMMAND_TIMEOUT_MS,
  hashTagged,
  hasHashTag,
  isCluster,
  isRedisClusterUrl,
  parseRedisNodes,
  parseRedisUrl,
  queueKeyPrefix,
} from '@rendition/jobs';

describe('parseRedisUrl', () => {
  it('hands a redis:// or rediss:// URL to ioredis as it is', () => {
    for (const url of ['redis://127.0.0.1:6379', 'rediss://:secret@redis.example:6380/2', 'redis://user:p%40ss@host/0?family=6']) {
      expect(parseRedisUrl(url)).toEqual({ kind: 'standalone', url });
    }
  });

  it('reads the seed nodes, credentials and TLS of a cluster URL', () => {
    expect(parseRedisUrl('redis+cluster://10.0.0.1:7000,10.0.0.2:7001,redis-2.redis.svc:7002')).toEqual({
      kind: 'cluster',
      tls: false,
      nodes: [
        { host: '10.0.0.1', port: 7000 },
        { host: '10.0.0.2', port: 7001 },
        { host: 'redis-2.redis.svc', port: 7002 },
      ],
    });
    expect(parseRedisUrl('rediss+cluster://app:p%40ss%2Fw@cfg.cache.amazonaws.com')).toEqual({
      kind: 'cluster',
      tls: true,
      username: 'app',
      password: 'p@ss/w',
      nodes: [{ host: 'cfg.cache.amazonaws.com', port: 6379 }],
    });
    // Without a user: the `default` user; an unencoded '@' in a password still splits at the last one.
    expect(parseRedisUrl('REDIS+CLUSTER://:p@ss@[::1]:7000,[fe80::1]/')).toEqual({
      kind: 'cluster',
      tls: false,
      password: 'p@ss',
      nodes: [
        { host: '::1', port: 7000 },
        { host: 'fe80::1', port: 6379 },
      ],
    });
    expect(parseRedisUrl('redis+cluster://h:1/0')).toMatchObject({ kind: 'cluster', nodes: [{ host: 'h', port: 1 }] });
  });

  it('refuses what a cluster cannot be', () => {
    expect(() => parseRedisUrl('http://redis:6379')).toThrow(/must start with redis:\/\//);
    expect(() => parseRedisUrl('redis+cluster://')).toThrow(/at least one node/);
    expect(() => parseRedisUrl('redis+cluster://h:7000/3')).toThrow(/no database number but 0/);
    expect(() => parseRedisUrl('redis+cluster://h:7000?tls=true')).toThrow(/no query/);
    expect(() => parseRedisUrl('redis+cluster://h:70000')).toThrow(/not a Redis node address/);
    expect(() => parseRedisUrl('redis+cluster://h:7000,bad host:1')).toThrow(/"bad host:1"/);
    // The message never carries the password.
    expect(() => parseRedisUrl('redis+cluster://:%E0%A4%A@h')).toThrow(/not valid percent-encoding/);
  });

  it('parses REDIS_CLUSTER_NODES lists with spaces and a trailing comma', () => {
    expect(parseRedisNodes(' a:1 , b ,')).toEqual([
      { host: 'a', port: 1 },
      { host: 'b', port: 6379 },
    ]);
  });

  it('tells cluster URLs apart', () => {
    expect(isRedisClusterUrl('redis+cluster://a:1')).toBe(true);
    expect(isRedisClusterUrl('rediss+cluster://a:1')).toBe(true);
    expect(isRedisClusterUrl('redis://a:1')).toBe(false);
  });
});

describe('queue key prefixes', () => {
  it('hash-tags the prefix on a cluster, so every key of a queue hashes to one slot', () => {
    expect(queueKeyPrefix('rendition', 'redis+cluster://a:1')).toBe('{rendition}');
    expect(queueKeyPrefix('rendition', 'redis://a:1')).toBe('rendition');
    // Idempotent: a prefix that already has a tag (given as {name}, or tagged by the config) is kept.
    expect(queueKeyPrefix('{rendition}', 'redis+cluster://a:1')).toBe('{rendition}');
    expect(queueKeyPrefix('{rendition}', 'redis://a:1')).toBe('{rendition}');
  });

  it("follows Redis's hash tag rule: the first '{' and the next '}', with something between", () => {
    expect(hasHashTag('{a}')).toBe(true);
    expect(hasHashTag('x{a}y')).toBe(true);
    expect(hasHashTag('{}a')).toBe(false);
    expect(hasHashTag('{a')).toBe(false);
    expect(hashTagged('{}a')).toBe('{{}a}');
  });
});

describe('createRedisConnection', () => {
  // Nothing listens on port 1: the connections never become ready, and are closed at once.
  it('makes a Redis for a redis:// URL, with the options of its role', () => {
    const producer = createRedisConnection('redis://127.0.0.1:1', 'producer', { commandTimeoutMs: 1234 });
    const worker = createRedisConnection('redis://127.0.0.1:1', 'worker');
    try {
      expect(producer).toBeInstanceOf(Redis);
      expect(isCluster(producer)).toBe(false);
      expect(producer.options).toMatchObject({ enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: 1234 });
      expect(worker.options).toMatchObject({ enableOfflineQueue: true, maxRetriesPerRequest: null });
    } finally {
      producer.disconnect();
      worker.disconnect();
    }
  });

  it('makes a Cluster for a redis+cluster:// URL: BullMQ blocking options on each node, credentials and TLS', () => {
    const worker = createRedisConnection('rediss+cluster://app:secret@127.0.0.1:1,127.0.0.1:2', 'worker');
    const producer = createRedisConnection('redis+cluster://127.0.0.1:1', 'producer');
    try {
      expect(worker).toBeInstanceOf(Cluster);
      expect(isCluster(worker)).toBe(true);
      const workerOptions = (worker as Cluster).options;
      expect(workerOptions).toMatchObject({ enableOfflineQueue: true, enableReadyCheck: true });
      // BullMQ refuses a blocking connection whose commands give up (maxRetriesPerRequest must be null).
      expect(workerOptions.redisOptions).toMatchObject({ maxRetriesPerRequest: null, username: 'app', password: 'secret', tls: {} });
      // With TLS the nodes' names are kept (certificates name them), not resolved to addresses first.
      let looked: string | undefined;
      workerOptions.dnsLookup?.('cfg.cache.example', (_error, address) => (looked = address));
      expect(looked).toBe('cfg.cache.example');
      const producerOptions = (producer as Cluster).options;
      expect(producerOptions).toMatchObject({ enableOfflineQueue: false });
      expect(producerOptions.redisOptions).toMatchObject({ maxRetriesPerRequest: 1, commandTimeout: DEFAULT_COMMAND_TIMEOUT_MS });
      expect(producerOptions.redisOptions).not.toHaveProperty('tls');
      expect(producerOptions.dnsLookup).not.toBe(workerOptions.dnsLookup);
    } finally {
      worker.disconnect();
      producer.disconnect();
    }
  });

  it('throws on a URL it cannot use, before connecting', () => {
    expect(() => createRedisConnection('redis+cluster://h:1/5', 'worker')).toThrow(/database/);
  });
});
