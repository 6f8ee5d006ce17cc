import type { Kysely } from 'kysely';
import type { AssetScope } from './asset-records.ts';
import type { Database } from './database-schema.ts';
import { scopeIs } from './identity-filters.ts';

/**
 * An update of the `assets` rows with these public_ids in one scope (cloud, resource type and
 * delivery type); the caller adds what it sets and what it returns.
 */
export function updateAssetsInScope(db: Kysely<Database>, scope: AssetScope, publicIds: string[]) {
  return db.updateTable('assets').where(scopeIs(scope)).where('public_id', 'in', publicIds);
}

/** The requested public_ids that `rows` hold, in request order, each once. */
export function inRequestOrder(requested: string[], rows: Array<{ public_id: string }>): string[] {
  const found = new Set(rows.map((row) => row.public_id));
  return [...new Set(requested)].filter((id) => found.has(id));
}
