import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { generateArchive, type ArchiveLimits } from '@rendition/archives';
import { cloudExists, type ApiCredentials, type CatalogDb } from '@rendition/catalog';
import { ApiError, normalizeParams, readString, type RawParams } from '@rendition/protocol';
import { fieldPairs } from '../admin-request.ts';
import { attachmentDisposition } from '../delivery-headers.ts';
import { readUploadBody } from '../read-upload-body.ts';
import { authenticateBasic, authenticateSignedParams } from '../request-auth.ts';
import { preAuthenticatedBasic } from '../request-body-state.ts';
import type { DeliveryDependencies } from './delivery-route.ts';
import type { UploadRouteDependencies } from './upload-route.ts';

export type ArchiveRouteDependencies = UploadRouteDependencies & {
  publicBaseUrl: string;
  secureBaseUrl: string;
  /** The output size limits and MAX_SYNC_VIDEO_BYTES check transformations; `archive`: the archive bounds (docs/archives.md). */
  limits: UploadRouteDependencies['limits'] &
    Partial<Pick<DeliveryDependencies['limits'], 'maxOutputDimension' | 'maxOutputPixels' | 'video'>> & { archive?: Partial<ArchiveLimits> };
};

interface ArchivePath {
  cloud: string;
  resourceType: string;
}

/**
 * `generate_archive` — docs/archives.md. `POST` is the SDK's create_zip/create_archive (a signed
 * Upload API call, any body encoding); `GET` is the signed link of download_zip_url,
 * download_archive_url and download_folder, whose answer is the archive itself. Either method
 * serves either mode: the mode is a parameter.
 */
export function registerArchiveRoutes(app: FastifyInstance, deps: ArchiveRouteDependencies): void {
  const handler = (request: FastifyRequest<{ Params: ArchivePath }>, reply: FastifyReply) => archive(deps, request, reply);
  // No HEAD: it would build a whole archive to answer headers.
  app.get('/v1_1/:cloud/:resourceType/generate_archive', { exposeHeadRoute: false }, handler);
  app.post('/v1_1/:cloud/:resourceType/generate_archive', handler);
}

async function archive(deps: ArchiveRouteDependencies, request: FastifyRequest<{ Params: ArchivePath }>, reply: FastifyReply) {
  const { cloud } = request.params;
  if (!(await cloudExists(deps.db, cloud))) throw new ApiError(401, `Invalid cloud_name ${cloud}`);
  const params = request.method === 'GET' ? normalizeParams(fieldPairs(request.query)) : await readBodyParams(deps, request);
  const nowSeconds = Math.floor(Date.now() / 1000);
  const credentials = preAuthenticatedBasic(request) ?? (await authenticate(deps.db, request.headers.authorization, params, cloud, nowSeconds));
  const outcome = await generateArchive(deps, { cloudName: cloud, credentials, pathResourceType: request.params.resourceType, params, nowSeconds });
  if (outcome.kind === 'json') return outcome.body;

  // However the answer ends (sent, or the client gone), the staged archive goes; a client that left
  // while the archive was being built has closed already.
  reply.raw.once('close', () => void outcome.discard());
  if (reply.raw.destroyed || request.raw.socket?.destroyed !== false) void outcome.discard();
  return reply
    .header('content-type', outcome.contentType)
    .header('content-length', outcome.bytes)
    .header('content-disposition', attachmentDisposition(outcome.filename))
    .header('cache-control', 'private, no-store')
    .header('x-content-type-options', 'nosniff')
    .send(outcome.body);
}

async function readBodyParams(deps: ArchiveRouteDependencies, request: FastifyRequest): Promise<RawParams> {
  const body = await readUploadBody(request, deps.store);
  // generate_archive takes no file; a stray one is not kept.
  await body.staged?.discard();
  await body.fileText?.discard();
  return body.params;
}

/**
 * Basic credentials, or the signed parameters. A download link with `expires_at` lives until then
 * (the service refuses it after), not only for its timestamp's hour, as the SDK documents.
 */
async function authenticate(
  db: CatalogDb,
  authorization: string | undefined,
  params: RawParams,
  cloud: string,
  nowSeconds: number,
): Promise<ApiCredentials> {
  if (authorization?.toLowerCase().startsWith('basic ')) return authenticateBasic(db, authorization, cloud);
  const expiring = readString(params, 'mode')?.trim().toLowerCase() === 'download' && readString(params, 'expires_at') !== undefined;
  return authenticateSignedParams(db, params, cloud, nowSeconds, { checkFreshness: !expiring });
}
