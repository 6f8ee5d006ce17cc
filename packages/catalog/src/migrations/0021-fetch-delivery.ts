import { sql, type Kysely } from 'kysely';

/**
 * Fetch delivery (docs/fetch-delivery.md): a cloud's allowed fetch domains (empty: any domain), and
 * one `fetch_origins` row per fetched remote URL of a cloud, keyed by sha256(cloud, URL). The fetched
 * original itself is an asset of type `fetch` whose public_id is the URL; the row says until when
 * its current version (`version_id`) is fresh, what to revalidate it with (the origin's ETag and
 * Last-Modified), who is fetching it now (the lease: one fetch at a time across the cluster), and the
 * last failure (answered to those who waited for it, and to everyone until `failure_until`).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE clouds ADD COLUMN allowed_fetch_domains text[] NOT NULL DEFAULT '{}'`.execute(db);
  await sql`
    CREATE TABLE fetch_origins (
      fetch_key char(64) PRIMARY KEY,
      cloud_name text NOT NULL REFERENCES clouds(name) ON DELETE CASCADE,
      url text NOT NULL,
      version_id char(32),
      expires_at timestamptz,
      origin_etag text,
      origin_last_modified text,
      lease_token uuid,
      lease_until timestamptz,
      failed_at timestamptz,
      failure_status integer,
      failure_message text,
      failure_until timestamptz,
      updated_at timestamptz NOT NULL DEFAULT now()
    )
  `.execute(db);
  await sql`CREATE INDEX fetch_origins_cloud_idx ON fetch_origins (cloud_name)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE IF EXISTS fetch_origins`.execute(db);
  await sql`ALTER TABLE clouds DROP COLUMN allowed_fetch_domains`.execute(db);
}
