/**
 * REDIS_URL, REDIS_CLUSTER_NODES and QUEUE_PREFIX as the processes use them (docs/operations.md
 * "Redis Cluster"). The connection itself, and the full parsing of the URL, is @rendition/jobs'
 * createRedisConnection; this only folds the variables into the one URL it takes.
 */

/** REDIS_URL with REDIS_CLUSTER_NODES folded in: `redis[s]+cluster://[credentials@]<nodes>` when nodes are given. */
export function effectiveRedisUrl(redisUrl: string, clusterNodes: string | undefined): string {
  if (clusterNodes === undefined) return redisUrl;
  const nodes = clusterNodes
    .split(',')
    .map((node) => node.trim())
    .filter((node) => node !== '')
    .join(',');
  const match = /^(rediss?)(?:\+cluster)?:\/\/(.*)$/i.exec(redisUrl);
  const scheme = (match?.[1] ?? 'redis').toLowerCase();
  const rest = match?.[2] ?? '';
  // REDIS_URL's credentials, if any: what precedes the last '@' of its authority. Its host, port and
  // database are not used: the nodes are the cluster's, and a cluster has only database 0.
  const authorityEnd = rest.search(/[/?#]/);
  const authority = authorityEnd < 0 ? rest : rest.slice(0, authorityEnd);
  const at = authority.lastIndexOf('@');
  const credentials = at < 0 ? '' : authority.slice(0, at + 1);
  return `${scheme}+cluster://${credentials}${nodes}`;
}

export function isClusterRedisUrl(redisUrl: string): boolean {
  return /^rediss?\+cluster:\/\//i.test(redisUrl);
}

/**
 * On a Redis Cluster the queue prefix is a hash tag (`{rendition}`) so every key of a queue lands on one
 * slot, as BullMQ requires; the same rule as @rendition/jobs' queueKeyPrefix, which applies it again
 * (idempotently) for callers that hand it a prefix of their own.
 */
export function effectiveQueuePrefix(prefix: string, redisUrl: string): string {
  if (!isClusterRedisUrl(redisUrl) || /\{[^}]+\}/.test(prefix)) return prefix;
  return `{${prefix}}`;
}
