import type { StorageSettings } from '@rendition/config';
import type { BlobStore } from './blob-store.ts';
import { FsBlobStore } from './fs-store.ts';

export type { StorageSettings };

/** The store the settings name. The S3 driver (and the AWS SDK) is loaded only when they name S3. */
export async function createBlobStore(settings: StorageSettings): Promise<BlobStore> {
  switch (settings.kind) {
    case 'file':
      return new FsBlobStore(settings.root);
    case 's3': {
      const { bucket, prefix, ...clientSettings } = settings;
      const { createS3Client, S3BlobStore } = await import('./s3.ts');
      return new S3BlobStore({ client: createS3Client(clientSettings), bucket, prefix, ownsClient: true });
    }
  }
}
