/**
 * How many public_ids one request may name. Cloudinary has two limits, for two APIs:
 *  - the Admin API's `resources_by_ids` (`GET resources/:resource_type/:type?public_ids[]=…`): 100;
 *  - the Upload API's `tags` and `context` calls: 1000 (Rendition's `metadata` call, which takes the
 *    same `public_ids[]`, applies the same limit).
 */

/** Most `public_ids[]` of one Admin API `resources_by_ids` call. */
export const MAX_ADMIN_PUBLIC_IDS = 100;

/** Most `public_ids[]` of one Upload API tags, context or metadata call. */
export const MAX_BULK_PUBLIC_IDS = 1000;
