import { randomUUID } from 'node:crypto';
import type { NewJob } from '@rendition/catalog';
import { RAW_CONVERT_KINDS, type RawConvertKind } from '@rendition/protocol';
import { z } from 'zod';
import { defineJob, RETENTION } from './define-job.ts';

/**
 * Version 1 of the convert job: one `raw_convert` of one asset version (extract_text: the PDF's text
 * as a raw JSON asset; aspose: an office file as a PDF image asset). Always a job of a batch (the
 * upload's or the explicit call's), so the batch finishes when the conversion does.
 */
export const ConvertJobV1Schema = z.object({
  v: z.literal(1),
  jobId: z.uuid(),
  batchId: z.string().regex(/^[0-9a-f]{64}$/),
  cloudName: z.string(),
  /** The key that made the request: the created asset's response is signed with it. */
  apiKey: z.string(),
  assetId: z.string().regex(/^[0-9a-f]{32}$/),
  versionId: z.string().regex(/^[0-9a-f]{32}$/),
  conversion: z.enum(RAW_CONVERT_KINDS),
});
export type ConvertJobV1 = z.infer<typeof ConvertJobV1Schema>;

export const convertJob = defineJob({
  kind: 'convert',
  queue: 'documents',
  schema: ConvertJobV1Schema,
  // A document that fails for what it is ends as `failed` in the info, not as a failed job: retries are for our faults.
  options: { attempts: 3, backoff: { type: 'exponential', delay: 1_000 }, ...RETENTION },
});

/** A convert job of a batch for one asset version (an upload's follow-up, or an explicit call's job). */
export function newConvertJob(input: {
  batchId: string;
  cloudName: string;
  apiKey: string;
  asset: { assetId: string; versionId: string };
  conversion: RawConvertKind;
}): NewJob {
  const id = randomUUID();
  const payload: ConvertJobV1 = {
    v: 1,
    jobId: id,
    batchId: input.batchId,
    cloudName: input.cloudName,
    apiKey: input.apiKey,
    assetId: input.asset.assetId,
    versionId: input.asset.versionId,
    conversion: input.conversion,
  };
  return { id, queue: convertJob.queue, kind: convertJob.kind, payload };
}
