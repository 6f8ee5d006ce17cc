import { randomBytes, randomInt } from 'node:crypto';
import type { CatalogDb } from './connection.ts';
import { cachedSetting } from './settings-cache.ts';

export interface ApiCredentials {
  cloudName: string;
  apiKey: string;
  apiSecret: string;
}

export async function cloudExists(db: CatalogDb, cloudName: string): Promise<boolean> {
  return cachedSetting(db, `cloud-exists:${cloudName}`, async () => {
    const row = await db.selectFrom('clouds').select('name').where('name', '=', cloudName).executeTakeFirst();
    return row !== undefined;
  });
}

export async function ensureCloud(db: CatalogDb, cloudName: string): Promise<void> {
  await db
    .insertInto('clouds')
    .values({ name: cloudName })
    .onConflict((c) => c.column('name').doNothing())
    .execute();
}

/** Cloudinary's shapes: a 15-digit key and a 27-character URL-safe secret. */
export async function createApiKey(db: CatalogDb, cloudName: string): Promise<ApiCredentials> {
  await ensureCloud(db, cloudName);
  const apiKey = String(randomInt(1, 10)) + Array.from({ length: 14 }, () => randomInt(0, 10)).join('');
  const apiSecret = randomBytes(21).toString('base64url').slice(0, 27);
  await db.insertInto('api_keys').values({ api_key: apiKey, cloud_name: cloudName, api_secret: apiSecret }).execute();
  return { cloudName, apiKey, apiSecret };
}

export async function findApiKey(db: CatalogDb, apiKey: string): Promise<ApiCredentials | undefined> {
  return cachedSetting(db, `api-key:${apiKey}`, async () => {
    const row = await db.selectFrom('api_keys').select(['api_key', 'api_secret', 'cloud_name']).where('api_key', '=', apiKey).executeTakeFirst();
    return row && Object.freeze({ cloudName: row.cloud_name, apiKey: row.api_key, apiSecret: row.api_secret });
  });
}

export async function firstApiKeyOfCloud(db: CatalogDb, cloudName: string): Promise<ApiCredentials | undefined> {
  const row = await db
    .selectFrom('api_keys')
    .select(['api_key', 'api_secret', 'cloud_name'])
    .where('cloud_name', '=', cloudName)
    .orderBy('created_at')
    .limit(1)
    .executeTakeFirst();
  return row && { cloudName: row.cloud_name, apiKey: row.api_key, apiSecret: row.api_secret };
}

export interface CloudWebhookSettings {
  /** Standard Webhooks signing secret (`whsec_...`), made on first use. */
  webhookSecret: string;
  /** Notified of every batch of the cloud, beside each request's own notification_url. */
  notificationUrls: string[];
}

export async function cloudWebhookSettings(db: CatalogDb, cloudName: string, newSecret: () => string): Promise<CloudWebhookSettings> {
  const read = () => db.selectFrom('clouds').select(['webhook_secret', 'notification_urls']).where('name', '=', cloudName).executeTakeFirstOrThrow();
  let row = await cachedSetting(db, `cloud-webhooks:${cloudName}`, read);
  if (row.webhook_secret === null) {
    // Only the first caller's secret is kept, even when several processes race to make one.
    await db.updateTable('clouds').set({ webhook_secret: newSecret() }).where('name', '=', cloudName).where('webhook_secret', 'is', null).execute();
    row = await read();
  }
  return { webhookSecret: row.webhook_secret ?? '', notificationUrls: row.notification_urls };
}

export async function setCloudNotificationUrls(db: CatalogDb, cloudName: string, urls: string[]): Promise<void> {
  await ensureCloud(db, cloudName);
  await db.updateTable('clouds').set({ notification_urls: urls }).where('name', '=', cloudName).execute();
}

export async function cloudNotificationUrls(db: CatalogDb, cloudName: string): Promise<readonly string[]> {
  return cachedSetting(db, `cloud-notification-urls:${cloudName}`, async () => {
    const row = await db.selectFrom('clouds').select('notification_urls').where('name', '=', cloudName).executeTakeFirst();
    return Object.freeze(row?.notification_urls ?? []);
  });
}

/** Every secret of the cloud: a signed delivery URL may have been made with any of its keys. */
export async function cloudApiSecrets(db: CatalogDb, cloudName: string): Promise<readonly string[]> {
  return cachedSetting(db, `cloud-api-secrets:${cloudName}`, async () => {
    const rows = await db.selectFrom('api_keys').select('api_secret').where('cloud_name', '=', cloudName).execute();
    return Object.freeze(rows.map((row) => row.api_secret));
  });
}
