import { randomUUID } from 'node:crypto';
import type { NewJob } from '@rendition/catalog';
import { z } from 'zod';
import { defineJob, RETENTION } from './define-job.ts';
import { BreakpointRequestSchema } from './ingest.job.ts';

/**
 * Version 1 of the analyze job: the analyses an `explicit` call asks of a stored asset version (colors,
 * phash, quality_analysis, accessibility_analysis, media_metadata, cinemagraph_analysis). An upload's analyses run in its
 * ingest, on the pixels it already has; an explicit call's need the original read again, by a worker.
 */
export const AnalyzeJobV1Schema = z.object({
  v: z.literal(1),
  jobId: z.uuid(),
  batchId: z.string().regex(/^[0-9a-f]{64}$/),
  cloudName: z.string(),
  assetId: z.string().regex(/^[0-9a-f]{32}$/),
  versionId: z.string().regex(/^[0-9a-f]{32}$/),
  analysis: z.object({
    colors: z.boolean(),
    phash: z.boolean(),
    qualityAnalysis: z.boolean(),
    accessibilityAnalysis: z.boolean(),
    mediaMetadata: z.boolean(),
    cinemagraphAnalysis: z.boolean().optional(),
  }),
  /**
   * An explicit call's `responsive_breakpoints`, and the key that made it: the breakpoints' URLs of an
   * authenticated asset are signed with its secret, as the response's own URLs are.
   */
  responsiveBreakpoints: z
    .object({ apiKey: z.string(), settings: z.array(BreakpointRequestSchema) })
    .nullable()
    .default(null),
});
export type AnalyzeJobV1 = z.infer<typeof AnalyzeJobV1Schema>;

/** On the derive queue: a decode of one image, like a derivation. */
export const analyzeJob = defineJob({
  kind: 'analyze',
  queue: 'derive',
  schema: AnalyzeJobV1Schema,
  options: { attempts: 3, backoff: { type: 'exponential', delay: 1_000 }, ...RETENTION },
});

/** An analyze job of an explicit call's batch. */
export function newAnalyzeJob(input: {
  batchId: string;
  cloudName: string;
  asset: { assetId: string; versionId: string };
  analysis: AnalyzeJobV1['analysis'];
  responsiveBreakpoints?: AnalyzeJobV1['responsiveBreakpoints'];
}): NewJob {
  const id = randomUUID();
  const payload: AnalyzeJobV1 = {
    v: 1,
    jobId: id,
    batchId: input.batchId,
    cloudName: input.cloudName,
    assetId: input.asset.assetId,
    versionId: input.asset.versionId,
    analysis: input.analysis,
    responsiveBreakpoints: input.responsiveBreakpoints ?? null,
  };
  return { id, queue: analyzeJob.queue, kind: analyzeJob.kind, payload };
}
