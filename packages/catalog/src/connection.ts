import { createHash } from 'node:crypto';
import { CompiledQuery, Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import type { Database } from './database-schema.ts';
import { reportOwnWrites } from './own-writes.ts';
import { countStatement } from './statement-tally.ts';

// bigint columns (version, bytes) fit in a JS number for any real asset; parse them as numbers.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

export type CatalogDb = Kysely<Database>;

/** Each catalog handle's pool (runPrepared sends named statements through it). */
const pools = new WeakMap<CatalogDb, pg.Pool>();

export function connectCatalog(databaseUrl: string, options: { poolSize?: number; parallelWorkersPerGather?: number } = {}): CatalogDb {
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: options.poolSize ?? 10,
    // DATABASE_PARALLEL_WORKERS_PER_GATHER (docs/performance.md, "Parallel query"): the catalog's
    // statements are short, and starting parallel workers can cost more than the scan they share.
    ...(options.parallelWorkersPerGather === undefined
      ? {}
      : { options: `-c max_parallel_workers_per_gather=${Math.max(0, Math.trunc(options.parallelWorkersPerGather))}` }),
  });
  // An idle client losing its connection (PostgreSQL restart) must not crash the process.
  pool.on('error', () => {});
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  pool.on('connect', (client) => reportOwnWrites(client as unknown as { query: (...args: unknown[]) => unknown }, () => db, countStatement));
  pools.set(db, pool);
  return db;
}

/**
 * Runs a statement whose text never changes as a named prepared statement: each connection parses
 * and plans it once, and afterwards only its parameters travel. For the statements on the path of
 * every upload (the group commit's insert). On a handle without a pool of its own (a transaction)
 * it runs as an ordinary statement.
 */
export async function runPrepared<Row>(db: CatalogDb, name: string, text: string, values: unknown[]): Promise<Row[]> {
  const pool = pools.get(db);
  if (!pool) return (await db.executeQuery<Row>(CompiledQuery.raw(text, values))).rows;
  // A migration that changes a table under a running process (a rolling deploy) invalidates what its
  // connections prepared from `*`: each such connection fails once, is closed, and the statement
  // runs on the next, up to a fresh connection that prepares it anew.
  for (let attempt = 1; ; attempt += 1) {
    // Not pool.query: its callback runs in the async context of whichever statement released the
    // connection it waited for, so the statement tally (statement-tally.ts) would count this statement
    // against that other request or job. An awaited connect resumes in this caller's context.
    const client = await pool.connect();
    try {
      const result = await client.query<Row & pg.QueryResultRow>({ name, text, values });
      client.release();
      return result.rows;
    } catch (error) {
      // As pool.query does: a connection a statement failed on is not handed out again.
      client.release(error instanceof Error ? error : true);
      if (!isStalePreparedResult(error) || attempt > pool.options.max) throw error;
    }
  }
}

/** PostgreSQL's refusal to run a prepared statement whose result columns a schema change altered. */
function isStalePreparedResult(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: string; message?: string };
  return code === '0A000' && message === 'cached plan must not change result type';
}

/**
 * The statements a process prepares by their shape (runPreparedShape), at most this many: each
 * connection keeps every statement it prepared until it closes, so shapes past the bound (long eager
 * lists make rare ones) run unprepared rather than grow every connection's memory without end.
 */
const MAX_PREPARED_SHAPES = 64;
const preparedShapes = new Set<string>();

/**
 * runPrepared for a statement composed at run time (CTEs present or not, a row per follow-up job):
 * named by its text's hash, so each shape is planned once per connection and repeated shapes reuse
 * it. For the data-modifying statements every upload sends, whose planning cost about as much as
 * their execution.
 */
export async function runPreparedShape<Row>(
  db: CatalogDb,
  prefix: string,
  query: CompiledQuery | { sql: string; parameters: readonly unknown[] },
): Promise<Row[]> {
  // Unprepared through the handle's own executor, a compiled query as it is: a handle with plugins
  // (a transaction, tests that intercept a statement) sees it as it would have without this function.
  const unprepared = async () => (await db.executeQuery<Row>('query' in query ? query : CompiledQuery.raw(query.sql, [...query.parameters]))).rows;
  if (!pools.has(db)) return unprepared();
  const name = `${prefix}_${createHash('sha1').update(query.sql).digest('hex').slice(0, 20)}`;
  if (!preparedShapes.has(name)) {
    if (preparedShapes.size >= MAX_PREPARED_SHAPES) return unprepared();
    preparedShapes.add(name);
  }
  return runPrepared<Row>(db, name, query.sql, [...query.parameters]);
}

/** Creates the database named in the URL when it does not exist yet (first start, tests). */
export async function ensureDatabaseExists(databaseUrl: string): Promise<void> {
  await withMaintenanceClient(databaseUrl, async (client, name) => {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount !== 0) return;
    try {
      await client.query(`CREATE DATABASE "${name}"`);
    } catch (error) {
      // Two processes starting together may race to create it.
      if ((error as { code?: string }).code !== '42P04') throw error;
    }
  });
}

export async function dropDatabase(databaseUrl: string): Promise<void> {
  await withMaintenanceClient(databaseUrl, (client, name) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
}

/** Runs `work` connected to the server's `postgres` database, with the target database's (checked) name. */
async function withMaintenanceClient(databaseUrl: string, work: (client: pg.Client, name: string) => Promise<unknown>): Promise<void> {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.replace(/^\//, ''));
  // The name is interpolated into SQL (CREATE DATABASE takes no parameters), so it is whitelisted.
  if (!/^[A-Za-z0-9_-]{1,63}$/.test(name)) throw new Error(`Unsupported database name ${JSON.stringify(name)}`);
  url.pathname = '/postgres';
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    await work(client, name);
  } finally {
    await client.end();
  }
}

export async function pingCatalog(db: CatalogDb): Promise<boolean> {
  try {
    await sql`select 1`.execute(db);
    return true;
  } catch {
    return false;
  }
}
