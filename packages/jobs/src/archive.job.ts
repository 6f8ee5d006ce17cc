import { z } from 'zod';
import { defineJob, RETENTION } from './define-job.ts';

const HEX32 = /^[0-9a-f]{32}$/;

/** One asset the API selected, by the ids that stay valid across renames; its public_id only names it in errors. */
const ArchiveAssetSchema = z.object({
  assetId: z.string().regex(HEX32),
  versionId: z.string().regex(HEX32),
  publicId: z.string(),
});

/** One item of `transformations` (eager syntax), resolved by the API: canonical, named transformations expanded. */
const ArchiveTransformationSchema = z.object({
  /** As the client wrote it, `/ext` included. */
  requested: z.string(),
  /** Canonical: the derivative's identity (its hash names the stored derivative). */
  transformation: z.string(),
  /** The item's `/ext` or `f_`; null: each asset's own format (as eager items do). */
  format: z.string().nullable(),
});

/**
 * Where the archive goes: a raw asset of the cloud (`create`), or a staged blob the API streams to
 * its client and deletes (`download`; the workers' staging sweep removes one the API never collected).
 */
const ArchiveTargetSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('asset'),
    /** With its `.zip`/`.tgz` extension, as raw public_ids carry it. */
    publicId: z.string().min(1),
    tags: z.array(z.string()),
    assetFolder: z.string(),
    /** The asset_id of the archive when the public_id is new (fixed by the API so a retry reuses it). */
    newAssetId: z.string().regex(HEX32),
  }),
  z.object({ kind: z.literal('download'), uploadId: z.uuid() }),
]);

/**
 * Version 1 of the archive job — generate_archive (create_zip, create_archive, download_*_url,
 * download_folder): one archive built from the assets the API selected, their blobs streamed into a
 * zip or tgz and the archive streamed to storage. The limits travel with the job, so the API's
 * configuration governs both halves.
 */
export const ArchiveJobV1Schema = z.object({
  v: z.literal(1),
  jobId: z.uuid(),
  batchId: z.string().regex(/^[0-9a-f]{64}$/),
  cloudName: z.string(),
  apiKey: z.string(),
  request: z.object({
    targetFormat: z.enum(['zip', 'tgz']),
    assets: z.array(ArchiveAssetSchema).min(1).max(100_000),
    transformations: z.array(ArchiveTransformationSchema).max(1_000),
    naming: z.object({
      flattenFolders: z.boolean(),
      flattenTransformations: z.boolean(),
      useOriginalFilename: z.boolean(),
      skipTransformationName: z.boolean(),
    }),
    /** An asset destroyed since the API selected it is left out (true) or fails the archive (false). */
    allowMissing: z.boolean(),
    /** Derivatives made for this archive stay stored (true) or are deleted once it is written (false). */
    keepDerived: z.boolean(),
    limits: z.object({
      maxFiles: z.number().int().positive(),
      /** The archive's own size. */
      maxBytes: z.number().int().positive(),
      /** How long one derivative may take (a derive job waited for). */
      deriveWaitMs: z.number().int().positive(),
      /** A larger video is not transformed (MAX_SYNC_VIDEO_BYTES, as on a first delivery). */
      maxSyncVideoBytes: z.number().int().positive(),
    }),
    target: ArchiveTargetSchema,
  }),
});
export type ArchiveJobV1 = z.infer<typeof ArchiveJobV1Schema>;

export const archiveJob = defineJob({
  kind: 'archive',
  queue: 'archive',
  schema: ArchiveJobV1Schema,
  options: { attempts: 3, backoff: { type: 'exponential', delay: 1_000 }, ...RETENTION },
});
