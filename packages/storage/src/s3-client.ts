import { S3Client } from '@aws-sdk/client-s3';
import type { S3ClientSettings } from '@rendition/config';

export type { S3ClientSettings };

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
