export { connectCatalog, ensureDatabaseExists, dropDatabase, pingCatalog } from './connection.ts';
export type { CatalogDb } from './connection.ts';
export { migrateToLatest } from './migrate.ts';
export type { Database } from './database-schema.ts';
export * from './clouds-repository.ts';
export * from './assets-repository.ts';
export * from './jobs-repository.ts';
export * from './batches-repository.ts';
export * from './webhook-deliveries-repository.ts';
