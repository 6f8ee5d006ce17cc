import { RAW_CONVERT_KINDS } from '@rendition/protocol';
import { z } from 'zod';
import { defineJob, RETENTION } from './define-job.ts';

/** Where the ingest worker reads the original from. Bytes never travel in a job payload. */
export const IngestSourceSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('staged'),
    key: z.string(),
    filename: z.string().optional(),
    /** Measured while the API staged the bytes, so the ingest need not read them again to learn them. */
    bytes: z.number().int().nonnegative().optional(),
    md5: z
      .string()
      .regex(/^[0-9a-f]{32}$/)
      .optional(),
  }),
  /**
   * A small file held in the job's outbox row (INLINE_UPLOAD_MAX_BYTES, the row's `inline_data`),
   * durable with the job's own commit; the ingest's first statement reads the bytes from the row, so
   * they cross neither Redis nor the intake's queueing.
   */
  z.object({
    kind: z.literal('inline'),
    /** The bytes, base64: only in rows written before migration 0031 (a job the relay queues from one carries them). */
    data: z.string().optional(),
    filename: z.string().optional(),
    bytes: z.number().int().nonnegative(),
    md5: z.string().regex(/^[0-9a-f]{32}$/),
  }),
  z.object({ kind: z.literal('remote'), url: z.string(), filename: z.string().optional() }),
  z.object({ kind: z.literal('s3'), bucket: z.string(), key: z.string(), filename: z.string().optional() }),
]);
export type IngestSource = z.infer<typeof IngestSourceSchema>;

/**
 * One `responsive_breakpoints` settings object, validated at intake (protocol's parseResponsiveBreakpoints;
 * its transformation resolved like an eager item's), as the worker computes it.
 */
export const BreakpointRequestSchema = z.object({
  createDerived: z.boolean(),
  bytesStep: z.number().int().positive(),
  minWidth: z.number().int().positive(),
  maxWidth: z.number().int().positive(),
  maxImages: z.number().int().positive(),
  /** The transformation as the client sent it: the answer's `transformation`; null when none. */
  requested: z.string().nullable(),
  /** Canonical, named transformations expanded: applied before the scaling; null when none. */
  transformation: z.string().nullable(),
  /** The settings' `format`, else the transformation's `/ext`; null: the transformation's f_ or the asset's. */
  format: z.string().nullable(),
});
export type BreakpointRequest = z.infer<typeof BreakpointRequestSchema>;

/**
 * Version 1 of the ingest job. Everything random (ids, suffixes) is decided at intake and
 * carried here, so a retried job produces exactly the same asset.
 */
export const IngestJobV1Schema = z.object({
  v: z.literal(1),
  jobId: z.uuid(),
  batchId: z.string().regex(/^[0-9a-f]{64}$/),
  cloudName: z.string(),
  /** The key that made the request: the response's `api_key` and `signature` are made with it. */
  apiKey: z.string(),
  source: IngestSourceSchema,
  /** Asset id used when the public_id is new; an existing asset keeps its own. */
  newAssetId: z.string().regex(/^[0-9a-f]{32}$/),
  request: z.object({
    resourceType: z.enum(['image', 'video', 'raw', 'auto']),
    type: z.enum(['upload', 'private', 'authenticated']),
    /** Final public_id, or the base that gets a raw file's extension when generated. */
    publicId: z.string(),
    publicIdGenerated: z.boolean(),
    originalFilename: z.string().nullable(),
    assetFolder: z.string(),
    displayName: z.string().nullable(),
    overwrite: z.boolean(),
    tags: z.array(z.string()),
    context: z.record(z.string(), z.string()),
    /** Structured metadata, typed and validated at intake (defaults applied). */
    metadata: z.record(z.string(), z.union([z.string(), z.number(), z.array(z.string())])).default({}),
    format: z.string().nullable(),
    allowedFormats: z.array(z.string()),
    accessMode: z.string(),
  }),
  /** Eager derivations, validated and canonical, queued as follow-ups of the batch once stored. */
  eager: z.array(z.object({ requested: z.string(), transformation: z.string(), format: z.string().nullable() })).default([]),
  eagerAsync: z.boolean().default(false),
  /**
   * The ingest job may derive the first eager item itself, from its scratch copy of the original (see
   * docs/transformations.md). False for a synchronous upload with eager_async, whose answer must not wait.
   */
  eagerInIngest: z.boolean().default(false),
  /** return_delete_token=true: the response carries a `delete_token` for delete_by_token. */
  returnDeleteToken: z.boolean().default(false),
  /** backup=true: this version is backed up (and so is the one it replaces) whatever the cloud's default. */
  backup: z.boolean().default(false),
  /** Incoming transformation (canonical): applied to the original before it is stored. */
  incoming: z.string().nullable().default(null),
  /** raw_convert: a convert job of the batch follows the stored original. */
  rawConvert: z.enum(RAW_CONVERT_KINDS).nullable().default(null),
  /** Analyses answered with the upload (colors, phash, quality, accessibility, metadata). */
  analysis: z
    .object({
      colors: z.boolean(),
      phash: z.boolean(),
      qualityAnalysis: z.boolean(),
      accessibilityAnalysis: z.boolean(),
      mediaMetadata: z.boolean(),
      /** Optional: a payload that does not ask for it (every older one) parses to exactly what it was. */
      cinemagraphAnalysis: z.boolean().optional(),
    })
    .default({ colors: false, phash: false, qualityAnalysis: false, accessibilityAnalysis: false, mediaMetadata: false }),
  /** `faces=true`: the answer carries the stored face regions. */
  faces: z.boolean().optional(),
  /**
   * `face_coordinates` / `custom_coordinates` as sent (validated at intake): bounded by the image's
   * dimensions once the ingest knows them, then stored. Absent means none (older payloads parse unchanged).
   */
  faceCoordinates: z.array(z.tuple([z.number(), z.number(), z.number(), z.number()])).optional(),
  customCoordinates: z.array(z.tuple([z.number(), z.number(), z.number(), z.number()])).optional(),
  /** `eval` (or `#RESOURCE_REF:<public_id>`): runs after the analyses, before the asset is stored. */
  evalScript: z.string().nullable().default(null),
  /** `on_success`: runs once the asset is stored. */
  onSuccess: z.string().nullable().default(null),
  /**
   * `moderation` as sent (validated at intake) and the upload's own notification_url, which every later
   * decision notifies; null when the upload asked for none.
   */
  moderation: z.object({ text: z.string(), notificationUrl: z.string().nullable() }).nullable().default(null),
  /**
   * `responsive_breakpoints`: computed from the prepared original before it is stored, one entry per
   * settings object. Absent means none: optional rather than defaulted, so a payload that asks for none
   * (every older one) parses to exactly what it was.
   */
  responsiveBreakpoints: z.array(BreakpointRequestSchema).optional(),
  /**
   * `access_control` of the upload (parsed at intake), stored on the asset once committed and answered.
   * Absent means none (optional, like responsiveBreakpoints, so older payloads parse unchanged).
   */
  accessControl: z
    .array(z.object({ access_type: z.enum(['anonymous', 'token']), start: z.string().optional(), end: z.string().optional() }))
    .optional(),
});
export type IngestJobV1 = z.infer<typeof IngestJobV1Schema>;

export const ingestJob = defineJob({
  kind: 'ingest',
  queue: 'ingest',
  schema: IngestJobV1Schema,
  options: { attempts: 5, backoff: { type: 'exponential', delay: 1_000 }, ...RETENTION },
});
