import { S3Client } from '@aws-sdk/client-s3';

export interface S3ClientSettings {
  /** Omit for AWS itself; set for MinIO, Ceph, R2, s3rver and the like. */
  endpoint?: string;
  region: string;
  /** Both or neither: without them the SDK's default chain applies (env, IRSA, instance profile). */
  accessKeyId?: string;
  secretAccessKey?: string;
  forcePathStyle: boolean;
}

export function createS3Client(settings: S3ClientSettings): S3Client {
  const { endpoint, region, accessKeyId, secretAccessKey, forcePathStyle } = settings;
  if ((accessKeyId === undefined) !== (secretAccessKey === undefined)) {
    throw new Error('S3 accessKeyId and secretAccessKey must be given together');
  }
  return new S3Client({
    region,
    forcePathStyle,
    ...(endpoint !== undefined && { endpoint }),
    ...(accessKeyId !== undefined && secretAccessKey !== undefined && { credentials: { accessKeyId, secretAccessKey } }),
    // The SDK's default adds CRC32 trailers (aws-chunked bodies) and validates response checksums,
    // which S3-compatible servers other than AWS often reject or do not send.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}
