import { createApiKey, firstApiKeyOfCloud, type ApiCredentials, type CatalogDb } from '@rendition/catalog';

export async function ensureCloudCredentials(db: CatalogDb, cloudName: string): Promise<ApiCredentials> {
  return (await firstApiKeyOfCloud(db, cloudName)) ?? createApiKey(db, cloudName);
}

/** The one line an SDK user pastes: the official SDKs read everything from it. */
export function cloudinaryUrl(credentials: ApiCredentials, uploadPrefix: string): string {
  return `cloudinary://${credentials.apiKey}:${credentials.apiSecret}@${credentials.cloudName}?upload_prefix=${uploadPrefix}`;
}
