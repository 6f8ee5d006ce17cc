import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { resolveCloudMetadata } from '@rendition/assets';
import { finishJob, waitForBatch, waitForJob } from '@rendition/batches';
import { cloudNotificationUrls, createBatchWithJobs, type CatalogDb, type OutcomeWaiter } from '@rendition/catalog';
import { resolveEagerSpecs, resolveIncomingTransformation } from '@rendition/derivations';
import { ingestJob, QueueUnavailableError, type IngestJobV1, type IngestSource, type JobQueues } from '@rendition/jobs';
import type { Logger } from '@rendition/logging';
import { assertFetchableUrl, RemoteFetchError, type AddressPolicy } from '@rendition/net';
import {
  ApiError,
  buildAsyncPendingResponse,
  checkUploadRequestLimits,
  inapplicableModeration,
  isAutomaticModeration,
  isSynchronousRawConvert,
  parseModeration,
  parseRawConvert,
  parseResponsiveBreakpoints,
  quoteValue,
  randomHex,
  type ParameterLimits,
  type UploadRequest,
  storableText,
} from '@rendition/protocol';
import { hashBytes, measureStream } from '@rendition/scratch';
import { stagingKey, type BlobStore } from '@rendition/storage';
import { hasExpressions } from '@rendition/transform';
import { checkedNotificationUrl } from '@rendition/webhooks';
import type { Acceptance, AcceptanceGroups, AcceptanceOutcome } from './acceptance-groups.ts';
import { resolveUploadNaming } from './upload-naming.ts';

export interface IntakeDependencies {
  db: CatalogDb;
  store: BlobStore;
  queues: JobQueues;
  outcomes: OutcomeWaiter;
  logger: Logger;
  addressPolicy: AddressPolicy;
  s3SourceBuckets: readonly string[];
  /** `parameters`: the bounds of tags, context, metadata values and eager lists (CONTEXT_*, TAG*_, METADATA_*, EAGER_*). */
  limits: { maxDataUriBytes: number; syncUploadTimeoutMs: number; parameters: ParameterLimits };
  /** Group commit of accepted uploads (acceptance-groups.ts); each is recorded and queued on its own when absent. */
  acceptances?: AcceptanceGroups;
}

export interface StagedFile {
  source: IngestSource & { kind: 'staged' };
  discard(): Promise<void>;
}

/** A file small enough to travel inside its job's row (INLINE_UPLOAD_MAX_BYTES): nothing was written for it. */
export interface HeldFile {
  source: IngestSource & { kind: 'inline' };
  /** The bytes: recorded in the job's outbox row beside its payload (NewJob's inlineData), never queued. */
  data: Buffer;
  discard(): Promise<void>;
}

/** An upload's file part, as intake received it. */
export type ReceivedFile = StagedFile | HeldFile;

export function isStagedFile(file: ReceivedFile): file is StagedFile {
  return file.source.kind === 'staged';
}

/**
 * A file part of at most `inlineMaxBytes` is held in memory and travels inside its job, so it is
 * durable with the outbox's own commit (no staging file, no fsync of its own); a larger one is staged
 * as stageFile stages it, the bytes read so far first. Holding stops at the limit, so a request
 * never holds more than `inlineMaxBytes` of its file.
 */
export async function receiveFile(
  deps: Pick<IntakeDependencies, 'store'>,
  body: AsyncIterable<Buffer>,
  filename: string | undefined,
  inlineMaxBytes: number,
): Promise<ReceivedFile> {
  if (inlineMaxBytes <= 0) return stageFile(deps, body instanceof Readable ? body : Readable.from(body), filename);
  const chunks: Buffer[] = [];
  let held = 0;
  const reading = body[Symbol.asyncIterator]();
  for (;;) {
    const next = await reading.next();
    if (next.done) break;
    chunks.push(next.value);
    held += next.value.length;
    if (held > inlineMaxBytes) {
      const rest = async function* (): AsyncGenerator<Buffer> {
        yield* chunks;
        for (let more = await reading.next(); !more.done; more = await reading.next()) yield more.value;
      };
      return stageFile(deps, Readable.from(rest()), filename);
    }
  }
  const bytes = Buffer.concat(chunks, held);
  return {
    source: {
      kind: 'inline',
      bytes: held,
      md5: hashBytes(bytes).md5,
      ...(filename ? { filename: storableText(filename) } : {}),
    },
    data: bytes,
    discard: async () => {},
  };
}

/** Streams an uploaded file part into the staging area; the API never holds it in memory. */
export async function stageFile(deps: Pick<IntakeDependencies, 'store'>, body: Readable, filename: string | undefined): Promise<StagedFile> {
  const key = stagingKey(randomUUID());
  const measured = measureStream(body);
  await deps.store.put(key, measured.stream);
  const { bytes, md5 } = measured.result();
  return {
    // The name is the client's, kept as information: made storable (PostgreSQL refuses NUL) rather than refused.
    source: { kind: 'staged', key, ...(filename ? { filename: storableText(filename) } : {}), bytes, md5 },
    discard: () => deps.store.delete(key),
  };
}

const DATA_URI = /^data:([a-z]+\/[a-z0-9.+-]+)?((?:;[a-z0-9-]+=[^;,]*)*);base64,/i;

/** The `file` parameter as text: a data URI, an http(s) URL or an allowed s3:// object. */
export async function sourceFromFileParameter(deps: IntakeDependencies, value: string): Promise<{ source: IngestSource; staged?: StagedFile }> {
  const trimmed = value.trim();
  const dataUri = DATA_URI.exec(trimmed);
  if (dataUri) {
    const payload = trimmed.slice(dataUri[0].length);
    // Decoded size is known from the text length, so an oversize URI is refused before decoding.
    const decodedBytes = Math.floor((payload.replace(/=+$/, '').length * 3) / 4);
    if (decodedBytes > deps.limits.maxDataUriBytes) {
      throw new ApiError(400, `File size too large. Got ${decodedBytes}. Maximum is ${deps.limits.maxDataUriBytes}.`);
    }
    if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(payload)) throw new ApiError(400, 'Invalid data URI: not base64');
    const staged = await stageFile(deps, Readable.from([Buffer.from(payload, 'base64')]), undefined);
    return { source: staged.source, staged };
  }
  if (/^https?:\/\//i.test(trimmed)) {
    try {
      assertFetchableUrl(trimmed, deps.addressPolicy);
    } catch (error) {
      if (error instanceof RemoteFetchError) throw new ApiError(400, error.message, { cause: error });
      throw error;
    }
    return { source: { kind: 'remote', url: trimmed, ...filenameOfUrl(trimmed) } };
  }
  const s3 = /^s3:\/\/([^/]+)\/(.+)$/.exec(trimmed);
  if (s3) {
    const [, bucket = '', key = ''] = s3;
    if (!deps.s3SourceBuckets.includes(bucket)) throw new ApiError(400, `Unsupported source URL: s3://${bucket} is not an allowed bucket`);
    return { source: { kind: 's3', bucket, key, ...filenameOfUrl(`s3://${bucket}/${key}`) } };
  }
  throw new ApiError(400, `Unsupported source URL: ${trimmed.slice(0, 200)}`);
}

function filenameOfUrl(url: string): { filename?: string } {
  try {
    const last = decodeURIComponent(new URL(url).pathname.split('/').pop() ?? '');
    return last ? { filename: storableText(last) } : {};
  } catch {
    return {};
  }
}

/**
 * Accepts an upload as a batch of one ingest job. The batch and its job are written to PostgreSQL
 * (the outbox) before Redis is asked to run the job, so an accepted upload is never lost: if Redis
 * drops it, the relay queues it again. `async=true` answers now; otherwise we wait for the job.
 */
export async function acceptUpload(
  deps: IntakeDependencies,
  input: {
    cloudName: string;
    apiKey: string;
    request: UploadRequest;
    source: IngestSource;
    /** The received file part behind `source` (a HeldFile carries the bytes of an inline source). */
    staged?: Pick<ReceivedFile, 'discard'> & { data?: Buffer };
  },
): Promise<Record<string, unknown>> {
  const jobId = randomUUID();
  const batchId = randomHex(32);
  let job: IngestJobV1;
  let accepted: AcceptanceOutcome;
  try {
    deps.queues.assertAvailable();
    checkUploadRequestLimits(input.request, deps.limits.parameters);
    checkedNotificationUrl(deps.addressPolicy, input.request.notificationUrl);
    checkedNotificationUrl(deps.addressPolicy, input.request.eagerNotificationUrl, 'eager_notification_url');
    // The dimensions are not known before the ingest: the eager list is bounded by its length here.
    const eager = await resolveEagerSpecs(deps.db, input.cloudName, input.request.eager, deps.limits.parameters, undefined, input.request.resourceType);
    const incoming = await resolveIncomingTransformation(deps.db, input.cloudName, input.request.transformation);
    // Typed against the cloud's fields now, so an invalid value is a 400 before any job exists.
    const metadata = await resolveCloudMetadata(deps.db, input.cloudName, input.request.metadata, {
      mode: 'upload',
      clearInvalid: input.request.clearInvalid === true,
      maxValueLength: deps.limits.parameters.metadataMaxValueLength,
    });
    const eagerAsync = input.request.eagerAsync && eager.length > 0;
    const rawConvert = input.request.rawConvert === undefined ? null : parseRawConvert(input.request.rawConvert);
    const moderation = checkedModeration(input.request);
    const responsiveBreakpoints = await resolveResponsiveBreakpoints(deps.db, input.cloudName, input.request.responsiveBreakpoints, {
      resourceType: input.request.resourceType,
    });
    job = {
      ...buildIngestJob(jobId, batchId, { ...input, metadata: metadata.set }),
      eager,
      eagerAsync,
      eagerInIngest: eager.length > 0 && (!eagerAsync || input.request.async === true),
      incoming,
      rawConvert,
      analysis: { ...input.request.analysis },
      evalScript: input.request.evalScript ?? null,
      onSuccess: input.request.onSuccess ?? null,
      moderation,
      ...(responsiveBreakpoints.length > 0 ? { responsiveBreakpoints } : {}),
      ...(input.request.accessControl ? { accessControl: input.request.accessControl } : {}),
      ...(input.request.faces ? { faces: true } : {}),
      ...(input.request.faceCoordinates ? { faceCoordinates: input.request.faceCoordinates } : {}),
      ...(input.request.customCoordinates ? { customCoordinates: input.request.customCoordinates } : {}),
    };
    const notificationUrls = [
      ...(input.request.notificationUrl ? [input.request.notificationUrl] : []),
      ...(await cloudNotificationUrls(deps.db, input.cloudName)),
    ];
    accepted = await recordAndQueue(deps, {
      batch: {
        batchId,
        cloudName: input.cloudName,
        apiKey: input.apiKey,
        kind: 'upload',
        notificationUrls,
        eagerAsync: job.eagerAsync,
        eagerNotificationUrls: input.request.eagerNotificationUrl ? [input.request.eagerNotificationUrl] : [],
      },
      jobs: [{ id: jobId, queue: ingestJob.queue, kind: ingestJob.kind, payload: job, ...inlineDataOf(input) }],
      queue: [{ kind: 'ingest', payload: job, jobId }],
      // async=true is answered pending either way; the outbox relay queues what this process cannot.
      answerOnRecord: input.request.async === true,
    });
  } catch (error) {
    // Until the job is recorded the staged bytes are ours to clean up.
    await input.staged?.discard();
    throw error;
  }

  if (!accepted.queued) {
    // An async batch is safe in the outbox: the relay queues it once Redis is back.
    if (!input.request.async) {
      const error = queueUnavailable(accepted.queueError);
      await finishJob(deps, { jobId, outcome: { kind: 'failed', error: { status: error.status, message: error.message } } });
      await input.staged?.discard();
      throw error;
    }
  }
  if (input.request.async) {
    return buildAsyncPendingResponse({
      ...(input.request.publicId !== undefined ? { publicId: job.request.publicId } : {}),
      type: input.request.type,
      resourceType: input.request.resourceType,
      batchId,
    });
  }
  const response = await waitForResponse(deps, jobId);
  // Synchronous eager derivations and a synchronous conversion (extract_text) finish after the ingest
  // job: the answer is the finished batch.
  const waitsForEager = job.eager.length > 0 && !job.eagerAsync && response.resource_type !== 'raw';
  const waitsForConversion = job.rawConvert !== null && isSynchronousRawConvert(job.rawConvert) && response.existing !== true;
  // An automatic moderation (aws_rek, duplicate, …) decides within the batch: the answer carries its verdict.
  const waitsForModeration =
    job.moderation !== null && isAutomaticModeration(parseModeration(job.moderation.text)[0]!.kind) && response.existing !== true;
  if (waitsForEager || waitsForConversion || waitsForModeration) return waitForBatch(deps, input.cloudName, batchId, deps.limits.syncUploadTimeoutMs);
  return response;
}

/**
 * `moderation`, read now so a bad value is a 400 before any job exists; a kind that cannot moderate
 * the path's resource type too (an `auto` upload's type is known only to the ingest, which checks it).
 */
function checkedModeration(request: UploadRequest): IngestJobV1['moderation'] {
  if (request.moderation === undefined) return null;
  const steps = parseModeration(request.moderation);
  if (request.resourceType === 'image' || request.resourceType === 'video') {
    const inapplicable = inapplicableModeration(steps, request.resourceType);
    if (inapplicable !== undefined) throw new ApiError(400, inapplicable);
  }
  return { text: request.moderation, notificationUrl: request.notificationUrl ?? null };
}

type BreakpointRequest = NonNullable<IngestJobV1['responsiveBreakpoints']>[number];

/**
 * `responsive_breakpoints` of upload and explicit, read now so bad settings are a 400 before any job
 * exists: protocol types the settings, and each transformation is resolved as an eager item is (named
 * transformations expanded, checked as an image plan, projected on the asset when its size is known;
 * its `/ext` is the images' format unless the settings name one). Only images have breakpoints: a
 * video or raw target is refused here, an `auto` upload's type by the ingest, and a stored original
 * without dimensions (or a PDF) before the explicit call queues anything.
 */
export async function resolveResponsiveBreakpoints(
  db: CatalogDb,
  cloudName: string,
  text: string | undefined,
  target: {
    resourceType: UploadRequest['resourceType'];
    asset?: { format: string | null; width: number | null };
    projection?: Parameters<typeof resolveEagerSpecs>[4];
  },
): Promise<BreakpointRequest[]> {
  if (text === undefined) return [];
  const settings = parseResponsiveBreakpoints(text);
  if (settings.length === 0) return [];
  if (target.resourceType === 'video' || target.resourceType === 'raw') {
    throw new ApiError(400, `Responsive breakpoints are supported for images only, not ${target.resourceType}`);
  }
  if (target.asset && (target.asset.format === 'pdf' || target.asset.width === null)) {
    throw new ApiError(400, `Responsive breakpoints are not supported for ${target.asset.format ?? 'this'} files`);
  }
  const requests: BreakpointRequest[] = [];
  for (const { transformation: requested, format, ...bounds } of settings) {
    if (requested === null) {
      requests.push({ ...bounds, requested: null, transformation: null, format });
      continue;
    }
    // Breakpoints are computed once from the original, before its tags or context may change: nothing to resolve against later.
    if (hasExpressions(requested)) {
      throw new ApiError(
        400,
        `Invalid responsive_breakpoints: transformation ${JSON.stringify(quoteValue(requested))}: conditionals and variables are not supported here`,
      );
    }
    let specs;
    try {
      specs = await resolveEagerSpecs(db, cloudName, requested, undefined, target.projection, 'image');
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 400) throw error;
      throw new ApiError(400, `Invalid responsive_breakpoints: transformation ${JSON.stringify(quoteValue(requested))}: ${error.message}`, {
        cause: error,
      });
    }
    const [spec, ...more] = specs;
    if (!spec || more.length > 0) {
      throw new ApiError(400, `Invalid responsive_breakpoints: transformation ${JSON.stringify(quoteValue(requested))} must be one chain, not a list`);
    }
    requests.push({ ...bounds, requested, transformation: spec.transformation === '' ? null : spec.transformation, format: format ?? spec.format });
  }
  return requests;
}

/**
 * Records the batch and its jobs (the outbox), then queues them: through the group commit when the
 * process has one, else on its own. Rejects when nothing was recorded; a queue that refused is an
 * outcome (the rows are safe, the relay queues them later).
 */
export async function recordAndQueue(
  deps: Pick<IntakeDependencies, 'db' | 'queues' | 'acceptances'>,
  acceptance: Acceptance,
): Promise<AcceptanceOutcome> {
  if (deps.acceptances) return deps.acceptances.accept(acceptance);
  await createBatchWithJobs(deps.db, acceptance.batch, acceptance.jobs);
  try {
    for (const job of acceptance.queue) await deps.queues.enqueue(job.kind, job.payload as never, job.jobId);
    return { queued: true };
  } catch (queueError) {
    return { queued: false, queueError };
  }
}

/** The 503 (with its Retry-After) of a job the queue did not take. */
function queueUnavailable(cause: unknown): ApiError {
  return cause instanceof QueueUnavailableError ? cause : new QueueUnavailableError({ cause });
}

/** An inline source's bytes, for its job's row; a source that names none without them is our bug. */
function inlineDataOf(input: { source: IngestSource; staged?: { data?: Buffer } }): { inlineData?: Buffer } {
  if (input.source.kind !== 'inline') return {};
  const data = input.staged?.data;
  if (data === undefined) throw new Error('an inline source was accepted without its bytes');
  return { inlineData: data };
}

function buildIngestJob(
  jobId: string,
  batchId: string,
  input: { cloudName: string; apiKey: string; request: UploadRequest; source: IngestSource; metadata: IngestJobV1['request']['metadata'] },
): Omit<IngestJobV1, 'eager' | 'eagerAsync' | 'eagerInIngest' | 'incoming' | 'rawConvert' | 'analysis' | 'evalScript' | 'onSuccess' | 'moderation'> {
  const naming = resolveUploadNaming(input.request, input.source.filename);
  return {
    v: 1,
    jobId,
    batchId,
    cloudName: input.cloudName,
    apiKey: input.apiKey,
    source: input.source,
    newAssetId: randomHex(16),
    returnDeleteToken: input.request.returnDeleteToken,
    backup: input.request.backup,
    request: {
      resourceType: input.request.resourceType,
      type: input.request.type,
      publicId: naming.publicId,
      publicIdGenerated: naming.publicIdGenerated,
      originalFilename: naming.originalFilename,
      assetFolder: naming.assetFolder,
      displayName: naming.displayName,
      overwrite: input.request.overwrite,
      tags: input.request.tags,
      context: input.request.context,
      metadata: input.metadata,
      format: input.request.format ?? null,
      allowedFormats: input.request.allowedFormats,
      accessMode: input.request.accessMode ?? 'public',
    },
  };
}

/** The ingest job's response, once its outcome is recorded. */
async function waitForResponse(deps: IntakeDependencies, jobId: string): Promise<Record<string, unknown>> {
  const record = await waitForJob(deps, jobId, deps.limits.syncUploadTimeoutMs);
  if (!record) {
    throw new ApiError(
      500,
      `Upload is still processing after ${deps.limits.syncUploadTimeoutMs} ms (job ${jobId}); it will complete in the background`,
      { expose: true },
    );
  }
  if (record.status === 'failed' || !record.result)
    throw new ApiError(record.error?.status ?? 500, record.error?.message ?? `Upload failed (job ${jobId})`, { expose: true });
  return (record.result as { response: Record<string, unknown> }).response;
}
