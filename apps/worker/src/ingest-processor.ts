import { UnrecoverableError, type Job } from 'bullmq';
import { markJobActive } from '@rendition/catalog';
import { IngestJobV1Schema } from '@rendition/jobs';
import { RejectedUploadError, recordExhaustedIngestJob, runIngestJob, type IngestJobDependencies, type IngestJobResult } from '@rendition/uploads';

/**
 * Runs one ingest job. Bad input ends the job (UnrecoverableError) after its client-facing error
 * is recorded; anything else is thrown as is so BullMQ retries it.
 */
export function createIngestProcessor(deps: IngestJobDependencies) {
  return async function processIngest(job: Job): Promise<IngestJobResult> {
    const parsed = IngestJobV1Schema.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`Malformed ingest payload: ${parsed.error.message}`);
    await markJobActive(deps.db, parsed.data.jobId);
    try {
      return await runIngestJob(deps, parsed.data);
    } catch (error) {
      if (error instanceof RejectedUploadError) throw new UnrecoverableError(error.message);
      throw error;
    }
  };
}

/** After the last attempt of a job that kept failing for an internal reason. */
export async function recordExhaustedIngest(deps: IngestJobDependencies, job: Job, error: Error): Promise<void> {
  const parsed = IngestJobV1Schema.safeParse(job.data);
  if (parsed.success) await recordExhaustedIngestJob(deps, parsed.data, error);
}
