import type { ExpressionBuilder } from 'kysely';
import type { AssetIdentity } from './asset-records.ts';
import type { Database } from './database-schema.ts';

/**
 * The WHERE conditions on an asset's identity columns (cloud_name, resource_type, type, public_id),
 * written once. Each returns a Kysely expression factory for `.where(...)` on `assets` or
 * `deleted_assets`, in selects and updates alike (a query-builder wrapper cannot be typed across both
 * without casts; an expression can, and Kysely checks the table has the columns).
 */

/** The tables whose rows carry an asset identity. */
type IdentityTable = 'assets' | 'deleted_assets';

/** The rows of one cloud and resource type, and of one delivery type when `type` is given (absent: every type). */
export function scopeIs(scope: { cloudName: string; resourceType: string; type?: string | undefined }) {
  return (eb: ExpressionBuilder<Database, IdentityTable>) =>
    eb.and(
      scope.type === undefined
        ? { cloud_name: scope.cloudName, resource_type: scope.resourceType }
        : { cloud_name: scope.cloudName, resource_type: scope.resourceType, type: scope.type },
    );
}

/** The row of one asset (at most one in `assets`: the identity is unique there). */
export function identityIs(identity: AssetIdentity) {
  return (eb: ExpressionBuilder<Database, IdentityTable>) =>
    eb.and({ cloud_name: identity.cloudName, resource_type: identity.resourceType, type: identity.type, public_id: identity.publicId });
}
