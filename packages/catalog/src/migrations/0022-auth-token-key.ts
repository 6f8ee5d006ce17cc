import { sql, type Kysely } from 'kysely';

/**
 * Token-authenticated delivery (docs/token-auth.md): each cloud's token key, the hex key the SDKs'
 * `auth_token.key` holds, HMAC key of every `__cld_token__`. Null: the cloud takes no tokens. Held as
 * the API secrets are (api_keys.api_secret): in the catalog, in the clear, for the server to sign with.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE clouds ADD COLUMN auth_token_key text`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE clouds DROP COLUMN auth_token_key`.execute(db);
}
