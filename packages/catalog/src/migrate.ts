import { Migrator, type MigrationResult } from 'kysely/migration';
import type { CatalogDb } from './connection.ts';
import { migrations } from './migrations/index.ts';

export async function migrateToLatest(db: CatalogDb): Promise<MigrationResult[]> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return results ?? [];
}
