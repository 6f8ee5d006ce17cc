/**
 * Where blobs live, as the configuration describes it. Defined here, beside the variables they are
 * parsed from, and consumed by @rendition/storage: adapters may read config, not each other.
 */
export interface S3ClientSettings {
  /** Omit for AWS itself; set for MinIO, Ceph, R2, s3rver and the like. */
  endpoint?: string;
  region: string;
  /** Both or neither: without them the SDK's default chain applies (env, IRSA, instance profile). */
  accessKeyId?: string;
  secretAccessKey?: string;
  forcePathStyle: boolean;
}

export type StorageSettings =
  | { kind: 'file'; root: string }
  | {
      kind: 's3';
      bucket: string;
      prefix: string;
      endpoint?: string;
      region: string;
      accessKeyId?: string;
      secretAccessKey?: string;
      forcePathStyle: boolean;
    };
