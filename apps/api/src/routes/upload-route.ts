import type { FastifyInstance, FastifyRequest } from 'fastify';
import { cloudExists, firstApiKeyOfCloud, type ApiCredentials } from '@rendition/catalog';
import { ApiError, missingParameter, parseUploadDeliveryType, parseUploadResourceType, parseUploadRequest, type RawParams } from '@rendition/protocol';
import type { IngestSource } from '@rendition/jobs';
import {
  acceptUpload,
  effectiveUploadParams,
  DEFAULT_MIN_PART_BYTES,
  isStagedFile,
  receiveChunk,
  sourceFromFileParameter,
  type IntakeDependencies,
  type ReceivedFile,
} from '@rendition/intake';
import { continuesChunkedUpload, parseChunkHeaders } from '../chunk-headers.ts';
import { readUploadBody } from '../read-upload-body.ts';
import { authenticateBasic, authenticateSignedParams } from '../request-auth.ts';
import { preAuthenticatedBasic } from '../request-body-state.ts';
import { admitUpload } from '../rate-limits/install-rate-limits.ts';

export type UploadRouteDependencies = IntakeDependencies & {
  /**
   * MAX_LARGE_UPLOAD_BYTES: the running total of a chunked upload (20 GiB when absent);
   * LARGE_UPLOAD_MIN_PART_BYTES: its smallest part but the last (5 MiB when absent).
   */
  limits: IntakeDependencies['limits'] & { maxLargeUploadBytes?: number; largeUploadMinPartBytes?: number; inlineUploadMaxBytes?: number };
};

const DEFAULT_MAX_LARGE_UPLOAD_BYTES = 20 * 1024 * 1024 * 1024;

interface UploadPath {
  cloud: string;
  resourceType: string;
  type?: string;
}

/** The upload routes; body-guard.ts recognises them by the same patterns (their `file` may be large). */
export function registerUploadRoutes(app: FastifyInstance, deps: UploadRouteDependencies): void {
  const handler = async (request: FastifyRequest<{ Params: UploadPath }>) => upload(deps, request);
  app.post('/v1_1/:cloud/:resourceType/upload', handler);
  app.post('/v1_1/:cloud/:resourceType/:type/upload', handler);
  // The OpenAPI's endpoint for chunks (reference wave 2 §4.1): the same handler.
  app.post('/v1_1/:cloud/:resourceType/upload_chunked', handler);
}

async function upload(deps: UploadRouteDependencies, request: FastifyRequest<{ Params: UploadPath }>) {
  const { cloud } = request.params;
  const resourceType = parseUploadResourceType(request.params.resourceType);
  const pathType = request.params.type === undefined ? undefined : parseUploadDeliveryType(request.params.type);
  if (!(await cloudExists(deps.db, cloud))) throw new ApiError(401, `Invalid cloud_name ${cloud}`);
  // A part of a chunked upload (upload_large): X-Unique-Upload-Id with Content-Range or X-Upload-Part-Number.
  const chunk = parseChunkHeaders(request.headers);

  // Basic credentials were checked before the body was read (body-guard.ts); this is the fallback.
  const authorization = request.headers.authorization;
  const basic =
    preAuthenticatedBasic(request) ??
    (authorization?.toLowerCase().startsWith('basic ') ? await authenticateBasic(deps.db, authorization, cloud) : undefined);

  // A chunk's bytes are always staged (they become a part of the assembled file).
  const body = await readUploadBody(request, deps.store, { takesFile: true, inlineMaxBytes: chunk ? 0 : (deps.limits.inlineUploadMaxBytes ?? 0) });
  let staged: ReceivedFile | undefined = body.staged;
  let fileText = body.fileText;
  try {
    const checkFreshness = !(chunk && (await continuesChunkedUpload(deps.db, cloud, request.headers)));
    const credentials: ApiCredentials & { unsigned?: boolean } = basic ?? (await authenticateUnlessUnsigned(deps, body.params, cloud, checkFreshness));
    // The upload rate limits, now that the key is known (Basic uploads were weighed before their body).
    await admitUpload(request, credentials);
    // The preset's settings, under the request's own values (signed), or under only the allow-listed ones (unsigned).
    const effective = await effectiveUploadParams(deps.db, cloud, body.params, credentials.unsigned ? 'unsigned' : 'signed');
    const uploadRequest = parseUploadRequest(effective.params, resourceType, deps.limits.parameters);
    if (pathType) uploadRequest.type = pathType;

    if (chunk) {
      // Each chunk is authenticated and validated on its own parameters (every SDK repeats them all).
      const part = staged;
      staged = undefined;
      if (!part || !isStagedFile(part)) throw new ApiError(400, 'A chunk of a chunked upload carries its bytes as a multipart file part');
      const outcome = await receiveChunk(
        {
          db: deps.db,
          store: deps.store,
          maxLargeUploadBytes: deps.limits.maxLargeUploadBytes ?? DEFAULT_MAX_LARGE_UPLOAD_BYTES,
          minPartBytes: deps.limits.largeUploadMinPartBytes ?? DEFAULT_MIN_PART_BYTES,
        },
        { cloudName: cloud, uploadId: chunk.uploadId, resourceType: uploadRequest.resourceType, position: chunk.position, chunk: part },
      );
      if (!outcome.done) {
        // Never asset_id nor status here (§4.3 rule 2); public_id only when the client chose it (rule 4).
        return {
          done: false,
          bytes: outcome.bytes,
          kind: uploadRequest.type,
          ...(uploadRequest.resourceType !== 'auto' ? { resource_type: uploadRequest.resourceType } : {}),
          ...(uploadRequest.publicId !== undefined ? { public_id: uploadRequest.publicId } : {}),
        };
      }
      const response = await acceptUpload(deps, {
        cloudName: cloud,
        apiKey: credentials.apiKey,
        request: uploadRequest,
        source: outcome.staged.source,
        staged: outcome.staged,
      });
      return { ...response, done: true };
    }

    let source: IngestSource | undefined = staged?.source;
    if (!source) {
      // A large `file` text (a data URI) waited on disk until the request was authenticated.
      const fileParam = body.params.file;
      const text = fileText ? await fileText.text() : Array.isArray(fileParam) ? fileParam[0] : fileParam;
      await fileText?.discard();
      fileText = undefined;
      if (!text) throw new ApiError(400, missingParameter('file'));
      const resolved = await sourceFromFileParameter(deps, text);
      source = resolved.source;
      staged = resolved.staged;
    }

    // From here the job owns the staged bytes: the worker deletes them when it is done.
    const handedOver = staged;
    staged = undefined;
    return await acceptUpload(deps, {
      cloudName: cloud,
      apiKey: credentials.apiKey,
      request: uploadRequest,
      source,
      ...(handedOver ? { staged: handedOver } : {}),
    });
  } finally {
    await staged?.discard();
    await fileText?.discard();
  }
}

/**
 * Signed parameters, or the unsigned path when the request carries neither a signature nor an
 * api_key (reference §1.1). An unsigned upload has no key of its own: its batch, and the response
 * signature, use the cloud's first API key.
 */
async function authenticateUnlessUnsigned(
  deps: UploadRouteDependencies,
  params: RawParams,
  cloud: string,
  checkFreshness: boolean,
): Promise<ApiCredentials & { unsigned?: boolean }> {
  if (params.signature === undefined && params.api_key === undefined) {
    const key = await firstApiKeyOfCloud(deps.db, cloud);
    if (!key) throw new ApiError(401, `Cloud ${cloud} has no API key to accept unsigned uploads with`);
    return { ...key, unsigned: true };
  }
  return authenticateSignedParams(deps.db, params, cloud, Math.floor(Date.now() / 1000), { checkFreshness });
}
