/**
 * Search API: ten typical `resources/search` requests against a catalog of 1,000,000 assets, through
 * Rendition's API over HTTP (Basic auth, the SDK's JSON body), each 20 times after warm-up, p50/p95.
 * Reference, same run: the same statements' server time (EXPLAIN ANALYZE "Execution Time" of the page,
 * count and aggregation statements, which the API runs at once), and a trivial indexed lookup through
 * the API (`public_id=<one id>`: HTTP, auth and JSON with almost no SQL). The plans are printed too.
 * Not part of `npm run bench`: `node bench/search.ts` (a few minutes: the fill and the index builds).
 * bench/README.md, "search.ts".
 */
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import { explainAssetSearch, type AssetSearchQuery, type CatalogDb, type SearchSortKey } from '@rendition/catalog';
import { parseSearchExpression } from '@rendition/protocol';
import { basicAuthHeader, startBenchCluster } from './lib/bench-cluster.ts';
import { Cleanup } from './lib/cleanup.ts';
import { envInt } from './lib/env.ts';
import { fillSearchCatalog } from './lib/search-fill.ts';
import { fixed, percentile, sortedCopy, table } from './lib/stats.ts';

const ASSETS = envInt('BENCH_SEARCH_ASSETS', 1_000_000, 10_000, 5_000_000);
const RUNS = envInt('BENCH_SEARCH_RUNS', 20, 5, 200);
const WARMUP = envInt('BENCH_SEARCH_WARMUP', 3, 0, 20);
const REFERENCE_RUNS = envInt('BENCH_SEARCH_REFERENCE_RUNS', 5, 1, 20);
const GOAL_P95_MS = 50;

interface BenchQuery {
  name: string;
  body: { expression?: string; sort_by?: Array<Record<string, 'asc' | 'desc'>>; aggregate?: string[]; max_results?: number };
}

const QUERIES: BenchQuery[] = [
  { name: 'tag', body: { expression: 'tags=summer' } },
  { name: 'prefix', body: { expression: 'public_id:products/shoes/*' } },
  { name: 'format + bytes range', body: { expression: 'format=png AND bytes>2mb' } },
  { name: 'context key', body: { expression: 'context.photographer=ph_7' } },
  { name: 'created_at>1w, sorted', body: { expression: 'created_at>1w', sort_by: [{ created_at: 'desc' }] } },
  { name: 'aggregate by format', body: { expression: 'tags=summer', aggregate: ['format', 'resource_type'] } },
  { name: 'NOT tag', body: { expression: 'resource_type:image AND NOT tags=archived' } },
  { name: 'OR of tags', body: { expression: 'tags=red OR tags=blue OR tags=green' } },
  { name: 'width range', body: { expression: 'width:[1000 TO 1300]' } },
  { name: 'public_id wildcard', body: { expression: 'public_id:users/u7*', sort_by: [{ public_id: 'asc' }] } },
];

const cleanup = new Cleanup('search', 20 * 60_000);
try {
  await main();
} finally {
  await cleanup.run();
}
process.exit(0);

async function main(): Promise<void> {
  const loadBefore = loadavg()[0]!;
  const bench = await startBenchCluster({ DATABASE_POOL_SIZE: '8' }, ['api']);
  cleanup.add('Rendition and its database', () => bench.stop());
  const db = bench.cluster.services.db;

  await fillSearchCatalog(db, bench.cloud, ASSETS);
  await report(db);

  const lookupId = (
    await sql<{ public_id: string }>`SELECT public_id FROM assets WHERE cloud_name = ${bench.cloud} ORDER BY asset_id LIMIT 1`.execute(db)
  ).rows[0]!.public_id;
  const reference: BenchQuery = { name: 'reference: public_id= lookup', body: { expression: `public_id="${lookupId}"` } };
  const search = async (body: BenchQuery['body']) => {
    const response = await fetch(`${bench.baseUrl}/v1_1/${bench.cloud}/resources/search`, {
      method: 'POST',
      headers: { authorization: basicAuthHeader(bench.credentials), 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const answer = (await response.json()) as { total_count?: number; resources?: unknown[]; error?: { message: string } };
    if (response.status !== 200) throw new Error(`${response.status} ${answer.error?.message ?? ''} for ${JSON.stringify(body)}`);
    return answer;
  };

  console.log(`\nqueries: ${WARMUP} warm-up + ${RUNS} measured each, one at a time, through the API`);
  const rows = [['query', 'total_count', 'API p50 ms', 'API p95 ms', 'SQL ms (page / count+aggs)', 'SQL max', `p95 < ${GOAL_P95_MS} ms`]];
  for (const query of [reference, ...QUERIES]) {
    let total = 0;
    for (let run = 0; run < WARMUP; run++) total = (await search(query.body)).total_count ?? 0;
    const samples: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      const started = performance.now();
      await search(query.body);
      samples.push(performance.now() - started);
    }
    const sorted = sortedCopy(samples);
    const statements = await serverTimes(db, bench.cloud, query);
    rows.push([
      query.name,
      String(total),
      fixed(percentile(sorted, 50)),
      fixed(percentile(sorted, 95)),
      statements.map((time) => fixed(time)).join(' / '),
      fixed(Math.max(...statements)),
      percentile(sorted, 95) < GOAL_P95_MS ? 'yes' : 'NO',
    ]);
  }
  console.log(table(rows));

  console.log('\nplans (EXPLAIN ANALYZE; actual rows):');
  for (const query of QUERIES) {
    console.log(`\n## ${query.name}: ${JSON.stringify(query.body)}`);
    for (const statement of await explainAssetSearch(db, searchQuery(bench.cloud, query), { analyze: true })) {
      console.log(`${statement.statement} (${fixed(statement.executionMs ?? Number.NaN, 2)} ms):`);
      console.log(statement.plan.map((line) => `  ${line}`).join('\n'));
    }
  }
  console.log(`\n1-min load average: ${fixed(loadBefore, 2)} at start, ${fixed(loadavg()[0]!, 2)} at end (2 cores: see bench/README.md)`);
}

function searchQuery(cloudName: string, query: BenchQuery): AssetSearchQuery {
  const expression = query.body.expression === undefined ? undefined : parseSearchExpression(query.body.expression);
  const sort: SearchSortKey[] = (query.body.sort_by ?? []).flatMap((entry) =>
    Object.entries(entry).map(([field, direction]) => ({ field, direction })),
  );
  return {
    cloudName,
    now: new Date(),
    sort,
    maxResults: query.body.max_results ?? 50,
    ...(expression ? { expression } : {}),
    aggregates: (query.body.aggregate ?? []).map((field) => ({ kind: 'terms', field: field as 'format' | 'resource_type' | 'type' })),
  };
}

/** Median over REFERENCE_RUNS of each statement's EXPLAIN ANALYZE execution time. */
async function serverTimes(db: CatalogDb, cloudName: string, query: BenchQuery): Promise<number[]> {
  const runs: number[][] = [];
  for (let run = 0; run < REFERENCE_RUNS; run++) {
    runs.push((await explainAssetSearch(db, searchQuery(cloudName, query), { analyze: true })).map((statement) => statement.executionMs ?? Number.NaN));
  }
  return runs[0]!.map((_, index) => percentile(sortedCopy(runs.map((times) => times[index]!)), 50));
}

async function report(db: CatalogDb): Promise<void> {
  const { rows } = await sql<{ name: string; bytes: number }>`
    SELECT c.relname AS name, pg_relation_size(c.oid) AS bytes FROM pg_class c
    WHERE c.oid IN ('assets'::regclass, 'asset_tag_words'::regclass) OR c.oid IN (SELECT indexrelid FROM pg_index WHERE indrelid IN ('assets'::regclass, 'asset_tag_words'::regclass))
    ORDER BY 2 DESC`.execute(db);
  console.log('sizes: ' + rows.map((row) => `${row.name} ${fixed(Number(row.bytes) / 1_048_576, 0)} MiB`).join(', '));
}
