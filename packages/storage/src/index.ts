export {
  BlobNotFoundError,
  InvalidRangeError,
  MAX_PART_NUMBER,
  MissingPartError,
  PartSizeMismatchError,
  type BlobInfo,
  type BlobStore,
  type ByteRange,
  type PutOptions,
} from './blob-store.ts';
export { createBlobStore, type StorageSettings } from './create-blob-store.ts';
export { FsBlobStore } from './fs-store.ts';
export { assertSafeKey, assetPrefix, derivedKey, InvalidKeyError, largeUploadKey, originalKey, stagingKey } from './keys.ts';
export { createS3Client, type S3ClientSettings } from './s3-client.ts';
export { S3BlobStore, type S3BlobStoreOptions } from './s3-store.ts';
