/**
 * REDIS_URL's forms (docs/operations.md "Redis Cluster"):
 *
 * - `redis://[user:password@]host[:port][/db]` and `rediss://…` (TLS): one Redis, handed to ioredis as it is;
 * - `redis+cluster://[user:password@]host1[:port],host2[:port],…` and `rediss+cluster://…`: a Redis
 *   Cluster, the hosts being seeds (any reachable node will do; the others are discovered from it).
 *
 * The configuration folds REDIS_CLUSTER_NODES into the second form, so every process hands one string
 * to createRedisConnection.
 */

export interface RedisNodeAddress {
  host: string;
  port: number;
}

export type RedisTarget =
  | { kind: 'standalone'; url: string }
  | {
      kind: 'cluster';
      nodes: RedisNodeAddress[];
      tls: boolean;
      username?: string;
      password?: string;
    };

export const DEFAULT_REDIS_PORT = 6379;

const CLUSTER_SCHEME = /^(rediss?)\+cluster:\/\//i;
const STANDALONE_SCHEME = /^rediss?:\/\//i;

export function isRedisClusterUrl(url: string): boolean {
  return CLUSTER_SCHEME.test(url);
}

/** Parses REDIS_URL; throws an Error naming the problem (never echoing the password). */
export function parseRedisUrl(url: string): RedisTarget {
  const scheme = CLUSTER_SCHEME.exec(url);
  if (!scheme) {
    if (!STANDALONE_SCHEME.test(url)) throw new Error('a Redis URL must start with redis://, rediss://, redis+cluster:// or rediss+cluster://');
    return { kind: 'standalone', url };
  }
  const rest = url.slice(scheme[0].length);
  // The authority ends at the first '/', '?' or '#'; credentials end at its last '@' (a password may hold '@' encoded or not).
  const end = rest.search(/[/?#]/);
  const authority = end < 0 ? rest : rest.slice(0, end);
  const tail = end < 0 ? '' : rest.slice(end);
  if (tail !== '' && !/^\/0?$/.test(tail)) {
    throw new Error('a Redis Cluster URL takes no database number but 0, and no query: redis+cluster://[user:password@]host:port,host:port');
  }
  const at = authority.lastIndexOf('@');
  const userinfo = at < 0 ? undefined : authority.slice(0, at);
  const hosts = at < 0 ? authority : authority.slice(at + 1);
  const nodes = parseRedisNodes(hosts);
  const credentials: { username?: string; password?: string } = {};
  if (userinfo !== undefined) {
    const colon = userinfo.indexOf(':');
    const username = decode(colon < 0 ? userinfo : userinfo.slice(0, colon));
    const password = colon < 0 ? undefined : decode(userinfo.slice(colon + 1));
    // redis://:password@host is the form without a user (the `default` user of Redis 6 ACLs).
    if (username !== '') credentials.username = username;
    if (password !== undefined && password !== '') credentials.password = password;
  }
  return { kind: 'cluster', nodes, tls: scheme[1]!.toLowerCase() === 'rediss', ...credentials };
}

/** `host[:port],host[:port],…` (IPv6 addresses in brackets), the form of REDIS_CLUSTER_NODES and of a cluster URL's hosts. */
export function parseRedisNodes(list: string): RedisNodeAddress[] {
  const items = list
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
  if (items.length === 0) throw new Error('a Redis Cluster needs at least one node (host:port)');
  return items.map((item) => {
    const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9._-]+))(?::(\d{1,5}))?$/.exec(item);
    const port = match?.[3] === undefined ? DEFAULT_REDIS_PORT : Number(match[3]);
    if (!match || port < 1 || port > 65_535) throw new Error(`not a Redis node address (host:port): ${JSON.stringify(item)}`);
    return { host: match[1] ?? match[2]!, port };
  });
}

/**
 * The prefix BullMQ is given. On a Redis Cluster every key of a queue must hash to one slot (its Lua
 * scripts and MULTIs touch several keys at once), so the prefix is a hash tag, `{rendition}`: Redis
 * hashes only what is between the braces, and every queue's keys (`{rendition}:ingest:wait`, …) land on
 * the slot of `rendition`. A prefix that already holds a hash tag is kept as it is; on one Redis the
 * prefix is left alone.
 */
export function queueKeyPrefix(prefix: string, redisUrl: string): string {
  return isRedisClusterUrl(redisUrl) ? hashTagged(prefix) : prefix;
}

/** `{prefix}` unless the prefix already has a hash tag (Redis's rule: the first `{` and the next `}`, with something between). */
export function hashTagged(prefix: string): string {
  return hasHashTag(prefix) ? prefix : `{${prefix}}`;
}

export function hasHashTag(key: string): boolean {
  const open = key.indexOf('{');
  if (open < 0) return false;
  const close = key.indexOf('}', open + 1);
  return close > open + 1;
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new Error('the credentials of a Redis URL are not valid percent-encoding');
  }
}
