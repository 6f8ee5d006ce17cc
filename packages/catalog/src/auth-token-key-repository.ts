import type { CatalogDb } from './connection.ts';
import { ensureCloud } from './clouds-repository.ts';
import { cachedSetting } from './settings-cache.ts';

/**
 * A cloud's token key (migration 0022, docs/token-auth.md): the hex HMAC key of its `__cld_token__`
 * tokens, or undefined when the cloud takes no tokens (or does not exist).
 */
export async function cloudAuthTokenKey(db: CatalogDb, cloudName: string): Promise<string | undefined> {
  return cachedSetting(db, `cloud-auth-token-key:${cloudName}`, async () => {
    const row = await db.selectFrom('clouds').select('auth_token_key').where('name', '=', cloudName).executeTakeFirst();
    return row?.auth_token_key ?? undefined;
  });
}

/** Sets (the cloud is created if missing) or, with null, removes a cloud's token key. The caller checks its shape. */
export async function setCloudAuthTokenKey(db: CatalogDb, cloudName: string, key: string | null): Promise<void> {
  await ensureCloud(db, cloudName);
  await db.updateTable('clouds').set({ auth_token_key: key }).where('name', '=', cloudName).execute();
}
