// Applies every migration to a new, empty database and drops it again: `npm test` proves the schema
// builds from scratch without depending on (or touching) the database `npm start` uses.
import { randomBytes } from 'node:crypto';
import { connectCatalog, dropDatabase, ensureDatabaseExists, migrateToLatest } from '@rendition/catalog';

const base = new URL(process.env.TEST_DATABASE_URL ?? 'postgres://postgres:postgres@127.0.0.1:5432/postgres');
base.pathname = `/rendition_migrations_${randomBytes(4).toString('hex')}`;
const url = base.toString();
await ensureDatabaseExists(url);
try {
  const db = connectCatalog(url, { poolSize: 1 });
  try {
    const results = await migrateToLatest(db);
    process.stderr.write(`[setup] ${results.length} migrations apply to an empty database\n`);
  } finally {
    await db.destroy();
  }
} finally {
  await dropDatabase(url);
}
