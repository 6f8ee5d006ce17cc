import { z } from 'zod';
import { defineJob, RETENTION } from './define-job.ts';

/** Version 1 of the archive job — generate_archive (create_zip, create_archive, download_*_url, download_folder): one archive built from the selected assets, streamed to storage. */
export const ArchiveJobV1Schema = z.object({
  v: z.literal(1),
  jobId: z.uuid(),
  batchId: z.string().regex(/^[0-9a-f]{64}$/),
  cloudName: z.string(),
  apiKey: z.string(),
  request: z.record(z.string(), z.unknown()),
});
export type ArchiveJobV1 = z.infer<typeof ArchiveJobV1Schema>;

export const archiveJob = defineJob({
  kind: 'archive',
  queue: 'archive',
  schema: ArchiveJobV1Schema,
  options: { attempts: 3, backoff: { type: 'exponential', delay: 1_000 }, ...RETENTION },
});
