/**
 * Search API: ten typical `resources/search` requests against a catalog of 1,000,000 assets, through
 * Rendition's API over HTTP (Basic auth, the SDK's JSON body), each 20 times after warm-up, p50/p95.
 * Reference, same run: the same statements' server time (EXPLAIN ANALYZE "Execution Time" of the page,
 * count and aggregation statements, which the API runs at once), and a trivial indexed lookup through
 * the API (`public_id=<one id>`: HTTP, auth and JSON with almost no SQL). The plans are printed too, and
 * what the search tables' triggers cost a write (server time per single-row INSERT and DELETE).
 * Not part of `npm run bench`: `node bench/search.ts` (a few minutes: the fill and the index builds).
 * bench/README.md, "search.ts".
 */
import { readFileSync } from 'node:fs';
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
const WRITE_ROUNDS = envInt('BENCH_SEARCH_WRITE_ROUNDS', 5, 1, 50);
const WRITE_ROWS = envInt('BENCH_SEARCH_WRITE_ROWS', 1_000, 100, 100_000);
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
  await writeCost(db, bench.cloud);
  console.log(`\n1-min load average: ${fixed(loadBefore, 2)} at start, ${fixed(loadavg()[0]!, 2)} at end (2 cores: see bench/README.md)`);
}

/**
 * Server time per single-row INSERT and DELETE of an asset (3 tags, a context value, as an upload writes
 * it) with none of the search tables' triggers, with 0020's, and with 0020's and 0026's: WRITE_ROUNDS
 * rounds of WRITE_ROWS rows each, the configurations interleaved so the machine's load falls on all of
 * them alike; medians. Inside one transaction per round: the commit (an fsync per upload) is left out,
 * and is the same for all three. The rows are deleted again, so the catalog is unchanged.
 */
async function writeCost(db: CatalogDb, cloudName: string): Promise<void> {
  // The search tables' insert and delete triggers, by migration (main() runs before module constants below it exist).
  const searchTriggers: ReadonlyArray<readonly string[]> = [
    ['assets_tag_words_insert', 'assets_tag_words_delete'],
    ['assets_counts_insert', 'assets_counts_delete'],
  ];
  const configurations: Array<[string, number]> = [
    ['no search triggers', 0],
    ['0020 (before this change)', 1],
    ['0020 + 0026', 2],
  ];
  const samples = new Map<string, { insert: number[]; remove: number[]; cpu: number[] }>(
    configurations.map(([name]) => [name, { insert: [], remove: [], cpu: [] }]),
  );
  await db.connection().execute(async (connection) => {
    const backend = (await sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`.execute(connection)).rows[0]!.pid;
    await sql`
      CREATE FUNCTION pg_temp.bench_writes(cloud text, rows int, label text) RETURNS float8[] LANGUAGE plpgsql AS $$
      DECLARE started timestamptz; inserted timestamptz; k text;
      BEGIN
        started := clock_timestamp();
        FOR i IN 1..rows LOOP
          k := 'bench-write/' || label || '/' || i;
          INSERT INTO assets (asset_id, cloud_name, resource_type, type, public_id, version, version_id, format, width, height, bytes, etag,
            content_type, storage_key, tags, context, metadata, asset_folder, display_name, original_filename, created_at)
          VALUES (md5(k), cloud, 'image', 'upload', k, 1, md5('v' || k), 'jpg', 800, 600, 123456, md5('e' || k), 'image/jpeg', 'bench/' || k,
            ARRAY['summer', 'Red Shirt', 'batch_' || (i % 500)], '{"alt": "a red shirt"}', '{}', 'bench-write', k, 'shirt.jpg', now());
        END LOOP;
        inserted := clock_timestamp();
        FOR i IN 1..rows LOOP
          DELETE FROM assets WHERE asset_id = md5('bench-write/' || label || '/' || i)::bpchar;
        END LOOP;
        RETURN ARRAY[extract(epoch FROM inserted - started) * 1e6 / rows, extract(epoch FROM clock_timestamp() - inserted) * 1e6 / rows];
      END $$`.execute(connection);
    const setTriggers = async (enabledUpTo: number) => {
      for (const [index, names] of searchTriggers.entries()) {
        for (const name of names)
          await sql`ALTER TABLE assets ${sql.raw(index < enabledUpTo ? 'ENABLE' : 'DISABLE')} TRIGGER ${sql.ref(name)}`.execute(connection);
      }
    };
    try {
      // Round 0 warms the caches and the plans up, and is not counted.
      for (let round = 0; round <= WRITE_ROUNDS; round++) {
        for (const [name, enabledUpTo] of configurations) {
          await setTriggers(enabledUpTo);
          const cpuBefore = backendCpuMs(backend);
          const { rows } = await sql<{
            times: number[];
          }>`SELECT pg_temp.bench_writes(${cloudName}, ${WRITE_ROWS}::int, ${`${round}-${enabledUpTo}`}) AS times`.execute(connection);
          if (round === 0) continue;
          samples.get(name)!.insert.push(Number(rows[0]!.times[0]));
          samples.get(name)!.remove.push(Number(rows[0]!.times[1]));
          const cpuAfter = backendCpuMs(backend);
          if (cpuBefore !== undefined && cpuAfter !== undefined) samples.get(name)!.cpu.push(((cpuAfter - cpuBefore) * 1000) / WRITE_ROWS);
        }
      }
    } finally {
      await setTriggers(searchTriggers.length);
    }
  });
  const median = (values: number[]) => percentile(sortedCopy(values), 50);
  console.log(
    `\nwrite cost: server µs per single-row INSERT / DELETE of an asset, median of ${WRITE_ROUNDS} × ${WRITE_ROWS} rows (commit excluded); ` +
      `CPU: the backend's own CPU time per INSERT + DELETE pair (/proc, 10 ms ticks; load on the machine does not inflate it)`,
  );
  const base = samples.get(configurations[0]![0])!;
  console.log(
    table([
      ['triggers', 'INSERT µs', 'DELETE µs', 'INSERT + µs', 'DELETE + µs', 'CPU µs', 'CPU + µs'],
      ...configurations.map(([name]) => {
        const measured = samples.get(name)!;
        return [
          name,
          fixed(median(measured.insert), 0),
          fixed(median(measured.remove), 0),
          fixed(median(measured.insert) - median(base.insert), 0),
          fixed(median(measured.remove) - median(base.remove), 0),
          fixed(median(measured.cpu), 0),
          fixed(median(measured.cpu) - median(base.cpu), 0),
        ];
      }),
    ]),
  );
}

/** A local backend's CPU time so far (utime + stime of /proc/<pid>/stat), in ms; undefined where it cannot be read (a remote database). */
function backendCpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Another machine's backend: a local process of the same pid is no postgres.
    if (!stat.includes(' (postgres) ')) return undefined;
    const fields = stat.split(') ')[1]!.split(' ');
    // Fields 14 and 15 (utime, stime) in clock ticks of 10 ms (Linux USER_HZ).
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
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
    WHERE c.oid IN ('assets'::regclass, 'asset_tag_words'::regclass, 'asset_counts'::regclass)
      OR c.oid IN (SELECT indexrelid FROM pg_index WHERE indrelid IN ('assets'::regclass, 'asset_tag_words'::regclass, 'asset_counts'::regclass))
    ORDER BY 2 DESC`.execute(db);
  console.log('sizes: ' + rows.map((row) => `${row.name} ${fixed(Number(row.bytes) / 1_048_576, 0)} MiB`).join(', '));
}
