import type { StorageSettings } from '@rendition/config';
import type { BlobStore } from './blob-store.ts';

export type { StorageSettings };
import { FsBlobStore } from './fs-store.ts';
import { createS3Client } from './s3-client.ts';
import { S3BlobStore } from './s3-store.ts';

export function createBlobStore(settings: StorageSettings): BlobStore {
  switch (settings.kind) {
    case 'file':
      return new FsBlobStore(settings.root);
    case 's3': {
      const { bucket, prefix, ...clientSettings } = settings;
      return new S3BlobStore({ client: createS3Client(clientSettings), bucket, prefix, ownsClient: true });
    }
  }
}
