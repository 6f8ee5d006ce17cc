import { describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { runPreparedShape } from '../src/connection.ts';
import { useTestCatalog } from '@rendition/testing';

// runPreparedShape: a composed statement is prepared once per shape and connection, and a process
// prepares a bounded number of shapes (the rest run unprepared, with the same results).

// One connection, so every statement below shows in its pg_prepared_statements.
const catalog = useTestCatalog('prepared-shapes', { poolSize: 1 });

/** The statements this (only) connection has prepared by shape. */
async function preparedShapes(): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`SELECT name FROM pg_prepared_statements WHERE name LIKE 'shape_test_%' ORDER BY name`.execute(
    catalog.db,
  );
  return rows.map((row) => row.name);
}

describe('runPreparedShape', () => {
  it('prepares a shape once and runs it again by name with other parameters', async () => {
    const shape = 'SELECT $1::int + 1 AS n';
    expect(await runPreparedShape(catalog.db, 'shape_test', { sql: shape, parameters: [1] })).toEqual([{ n: 2 }]);
    expect(await runPreparedShape(catalog.db, 'shape_test', { sql: shape, parameters: [41] })).toEqual([{ n: 42 }]);
    const names = await preparedShapes();
    expect(names).toHaveLength(1);
    expect(names[0]).toMatch(/^shape_test_[0-9a-f]{20}$/);
  });

  it('prepares at most 64 shapes in a process, and runs the others unprepared with the same results', async () => {
    for (let index = 0; index < 80; index += 1) {
      expect(await runPreparedShape(catalog.db, 'shape_test', { sql: `SELECT $1::int + ${index} AS n`, parameters: [1] })).toEqual([{ n: 1 + index }]);
    }
    // The first test's shape counts against the bound too.
    expect(await preparedShapes()).toHaveLength(64);
  });
});
