import { UnrecoverableError, type Job } from 'bullmq';
import { completeJob, failJob, markJobActive } from '@rendition/catalog';
import { IngestJobV1Schema } from '@rendition/jobs';
import { ingest, serializeOutcome, toClientError, type IngestDependencies, type SerializedOutcome } from '@rendition/uploads';

/**
 * Runs one ingest job. Bad input is recorded as the job's client-facing error and ends the job
 * (UnrecoverableError); anything else is thrown as is so BullMQ retries it.
 */
export function createIngestProcessor(deps: IngestDependencies) {
  return async function processIngest(job: Job): Promise<SerializedOutcome> {
    const parsed = IngestJobV1Schema.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`Malformed ingest payload: ${parsed.error.message}`);
    const payload = parsed.data;
    await markJobActive(deps.db, payload.jobId);
    try {
      const serialized = serializeOutcome(await ingest(deps, payload));
      await completeJob(deps.db, payload.jobId, serialized);
      return serialized;
    } catch (error) {
      const sourceDescription = payload.source.kind === 'remote' ? payload.source.url : 'file';
      const clientError = toClientError(error, { sourceDescription });
      if (!clientError) throw error;
      await failJob(deps.db, payload.jobId, { status: clientError.status, message: clientError.message });
      if (payload.source.kind === 'staged') await deps.store.delete(payload.source.key);
      throw new UnrecoverableError(clientError.message);
    }
  };
}

/** After the last attempt of a job that kept failing for an internal reason. */
export async function recordExhaustedIngest(deps: IngestDependencies, job: Job, error: Error): Promise<void> {
  const parsed = IngestJobV1Schema.safeParse(job.data);
  if (!parsed.success) return;
  await failJob(deps.db, parsed.data.jobId, { status: 500, message: `Internal error while processing the upload: ${error.message}` });
  if (parsed.data.source.kind === 'staged') await deps.store.delete(parsed.data.source.key);
}
