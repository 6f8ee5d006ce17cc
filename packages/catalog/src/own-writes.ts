import type { CatalogDb } from './connection.ts';

/**
 * Read-your-own-writes for the per-process caches (settings, delivery). A cache forgets on the change
 * notices PostgreSQL sends at commit, but those arrive on another connection a moment later: a request
 * that changed something and reads it back at once, in the same process, would see the old value. So
 * the pool's clients also tell, in process, which tables their committed statements wrote: after an
 * autocommit write resolves, after COMMIT for a transaction's writes.
 */

/** What a statement does to a table: `insert`, `update`, `delete` or `truncate`. */
export type WriteKind = 'insert' | 'update' | 'delete' | 'truncate';

type Listener = { tables: ReadonlySet<string>; kinds: ReadonlySet<WriteKind>; onWrite: () => void };

const ALL_KINDS: readonly WriteKind[] = ['insert', 'update', 'delete', 'truncate'];

const watchers = new WeakMap<CatalogDb, Set<Listener>>();

/**
 * Calls `onWrite` after each committed write of this process to one of `tables` (of one of `kinds`,
 * every kind by default); answers the unsubscribe.
 */
export function watchOwnWrites(db: CatalogDb, tables: readonly string[], onWrite: () => void, kinds: readonly WriteKind[] = ALL_KINDS): () => void {
  const listener: Listener = { tables: new Set(tables), kinds: new Set(kinds), onWrite };
  const set = watchers.get(db) ?? new Set<Listener>();
  set.add(listener);
  watchers.set(db, set);
  return () => set.delete(listener);
}

// Kysely's spelling: `insert into "t"`, `update "t"`, `delete from "t"`, also inside a WITH.
const WRITE = /\b(?:insert\s+into|update|delete\s+from|truncate(?:\s+table)?)\s+"?([a-z_]+)"?/gi;

/** The tables a statement writes and how, as far as its text says (enough for Kysely's and our raw SQL). */
export function tablesWritten(statement: string): Array<{ kind: WriteKind; table: string }> {
  const found: Array<{ kind: WriteKind; table: string }> = [];
  for (const match of statement.matchAll(WRITE)) {
    const verb = match[0].trimStart().slice(0, 2).toLowerCase();
    const kind: WriteKind = verb === 'in' ? 'insert' : verb === 'up' ? 'update' : verb === 'de' ? 'delete' : 'truncate';
    found.push({ kind, table: match[1]!.toLowerCase() });
  }
  return found;
}

// Statement texts repeat (Kysely and the raw templates send parameters apart from the text): the
// answer per text is kept, so the scan runs once per distinct statement, not once per call.
const WRITES_BY_TEXT_MAX = 1_000;
const writesByText = new Map<string, Array<{ kind: WriteKind; table: string }>>();

function tablesWrittenCached(statement: string): Array<{ kind: WriteKind; table: string }> {
  let writes = writesByText.get(statement);
  if (writes === undefined) {
    writes = tablesWritten(statement);
    if (writesByText.size >= WRITES_BY_TEXT_MAX) writesByText.clear();
    writesByText.set(statement, writes);
  }
  return writes;
}

/**
 * Installed by connectCatalog on each client of `db`'s pool: the one wrapper of its query, which also
 * calls `onStatement` for every statement (the statement tally), so each statement is looked at once.
 */
export function reportOwnWrites(
  client: { query: (...args: unknown[]) => unknown },
  db: () => CatalogDb | undefined,
  onStatement: () => void = () => {},
): void {
  let inTransaction = false;
  let written: Array<{ kind: WriteKind; table: string }> = [];
  const query = client.query.bind(client);
  // pg's query is overloaded (text, config object, callback forms): every form passes through as it was.
  client.query = (...args: unknown[]) => {
    onStatement();
    const first = args[0];
    const text =
      typeof first === 'string' ? first : typeof (first as { text?: unknown } | undefined)?.text === 'string' ? (first as { text: string }).text : '';
    let committed: Array<{ kind: WriteKind; table: string }> | undefined;
    if (/^\s*(?:begin|start\s+transaction)\b/i.test(text)) {
      inTransaction = true;
      written = [];
    } else if (/^\s*(?:commit|end)\b/i.test(text)) {
      committed = written;
      inTransaction = false;
      written = [];
    } else if (/^\s*rollback\b/i.test(text)) {
      inTransaction = false;
      written = [];
    } else {
      const writes = tablesWrittenCached(text);
      if (writes.length > 0) {
        if (inTransaction) written.push(...writes);
        else committed = writes;
      }
    }
    const result = query(...args);
    if (committed && committed.length > 0) {
      const tables = committed;
      const tell = () => notify(db(), tables);
      if (result !== null && typeof result === 'object' && 'then' in result) (result as Promise<unknown>).then(tell, tell);
      else tell();
    }
    return result;
  };
}

function notify(db: CatalogDb | undefined, writes: ReadonlyArray<{ kind: WriteKind; table: string }>): void {
  if (!db) return;
  for (const listener of watchers.get(db) ?? []) {
    if (writes.some((write) => listener.tables.has(write.table) && listener.kinds.has(write.kind))) listener.onWrite();
  }
}
