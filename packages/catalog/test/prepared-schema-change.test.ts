import { describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { runPreparedShape } from '../src/connection.ts';
import { useTestCatalog } from '@rendition/testing';

// A file of its own: prepared-shapes.test.ts fills the process's bound of prepared shapes.

describe('runPreparedShape across a schema change', () => {
  // Two connections, both holding the prepared `*` when the table gains a column.
  const twoConnections = useTestCatalog('prepared-shapes-schema', { poolSize: 2 });

  it('runs a prepared `SELECT *` again after its table gained a column, though every connection held it, with the new column', async () => {
    const db = twoConnections.db;
    await sql`CREATE TABLE shape_schema_test (id int PRIMARY KEY)`.execute(db);
    await sql`INSERT INTO shape_schema_test VALUES (1)`.execute(db);
    // Slow enough that two calls at once hold both connections, so both prepare it.
    const select = { sql: 'SELECT *, pg_sleep(0.1) IS NULL AS slept FROM shape_schema_test WHERE id = $1', parameters: [1] };
    const before = await Promise.all([runPreparedShape(db, 'schema_test', select), runPreparedShape(db, 'schema_test', select)]);
    expect(before).toEqual([[{ id: 1, slept: false }], [{ id: 1, slept: false }]]);
    const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database()`.execute(db);
    expect(rows[0]!.n).toBe(2);
    await sql`ALTER TABLE shape_schema_test ADD COLUMN label text DEFAULT 'new'`.execute(db);
    for (let call = 0; call < 3; call += 1) {
      expect(await runPreparedShape(db, 'schema_test', select)).toEqual([{ id: 1, label: 'new', slept: false }]);
    }
  });
});
