// The S3 driver, its own entry point: the AWS SDK costs a process ~10 MiB of RSS, so only processes
// that store in S3 (or read s3:// sources) load it, through createBlobStore or an import of this path.
export { createS3Client, type S3ClientSettings } from './s3-client.ts';
export { S3BlobStore, type S3BlobStoreOptions } from './s3-store.ts';
