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
export { deleteDerivedBlobs } from './delete-derived.ts';
export { FsBlobStore } from './fs-store.ts';
export { localFileOf } from './local-file.ts';
export {
  assertSafeKey,
  assetPrefix,
  derivedKey,
  derivedSetMemberKey,
  derivedSetPrefix,
  InvalidKeyError,
  isDerivedSetMember,
  largeUploadKey,
  originalKey,
  stagingKey,
} from './keys.ts';
// The S3 driver: '@rendition/storage/s3' (loaded on demand; see s3.ts).
