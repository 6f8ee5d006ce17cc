import { randomBytes } from 'node:crypto';

/** A database name of its own for each test file, on the local PostgreSQL (or TEST_DATABASE_URL's server). */
export function createTestDatabaseUrl(label = 'test'): string {
  const base = new URL(process.env.TEST_DATABASE_URL ?? 'postgres://postgres:postgres@127.0.0.1:5432/postgres');
  const safeLabel = label
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .slice(0, 20);
  base.pathname = `/rendition_${safeLabel}_${randomBytes(4).toString('hex')}`;
  return base.toString();
}
