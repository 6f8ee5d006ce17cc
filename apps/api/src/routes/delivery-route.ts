import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  cloudApiSecrets,
  cloudHasStrictTransformations,
  findAsset,
  findDerived,
  type AssetRecord,
  type CatalogDb,
  type OutcomeWaiter,
} from '@rendition/catalog';
import { obtainDerivative, planDerivative } from '@rendition/derivations';
import type { JobQueues } from '@rendition/jobs';
import { ApiError, normalizeFormat, parseDeliveryPath, splitDeliveryFormat, verifyUrlSignature, type DeliveryPath } from '@rendition/protocol';
import type { BlobStore } from '@rendition/storage';
import { parseRangeHeader } from '../byte-range.ts';

export interface DeliveryDependencies {
  db: CatalogDb;
  store: BlobStore;
  queues: JobQueues;
  outcomes: OutcomeWaiter;
  limits: { maxOutputDimension: number; maxOutputPixels: number; deriveWaitTimeoutMs: number };
}

const ONE_YEAR = 31_536_000;
const UNVERSIONED_MAX_AGE = 3_600;

/**
 * `GET /<cloud>/<resource_type>/<type>/[s--sig--/][<transformation>/][v<version>/]<public_id>[.<format>]`:
 * originals as stored, and derivatives computed on first request then served from storage.
 */
export function registerDeliveryRoutes(app: FastifyInstance, deps: DeliveryDependencies): void {
  const handler = (request: FastifyRequest, reply: FastifyReply) => deliver(deps, request, reply);
  // HEAD is registered explicitly: Fastify's automatic HEAD would report a streamed body as 0 bytes.
  app.route({ method: ['GET', 'HEAD'], url: '/:cloud/:resourceType/:type/*', handler, exposeHeadRoute: false });
}

async function deliver(deps: DeliveryDependencies, request: FastifyRequest, reply: FastifyReply) {
  const path = parseDeliveryPath(request.url.split('?')[0] ?? '');
  const signed = path.signature !== undefined && (await signatureIsValid(deps.db, path));
  if (path.signature !== undefined && !signed) throw new ApiError(401, `Invalid signature in the URL of ${path.publicIdWithExt}`);

  const { asset, urlFormat } = await findDeliveredAsset(deps.db, path);
  if (!asset) throw new ApiError(404, `Resource not found - ${path.publicIdWithExt}`);
  const transformation = path.transformation ?? '';
  const original = transformation === '' && (urlFormat === undefined || asset.resourceType !== 'image' || sameFormat(asset.format, urlFormat));

  // Delivery types, as Cloudinary defines them: authenticated needs a signature for everything;
  // private never serves the original by URL; upload serves everything.
  if (asset.type === 'authenticated' && !signed) throw new ApiError(401, `Resource ${path.publicIdWithExt} requires a signed URL`);
  if (asset.type === 'private' && original) throw new ApiError(401, `The original of private resource ${path.publicIdWithExt} is not delivered by URL`);
  if (original) {
    if (urlFormat !== undefined && asset.resourceType === 'video' && !sameFormat(asset.format, urlFormat)) {
      throw new ApiError(404, `Format conversion of video is not available yet: ${urlFormat}`);
    }
    return sendStored(deps, request, reply, {
      storageKey: asset.storageKey,
      contentType: asset.contentType,
      etag: asset.etag,
      bytes: asset.bytes,
      lastModified: asset.createdAt,
      immutable: path.version === asset.version,
    });
  }

  const derivative = await planDerivative(deps.db, asset, {
    transformation,
    urlFormat,
    accept: request.headers.accept,
    limits: { maxDimension: deps.limits.maxOutputDimension, maxPixels: deps.limits.maxOutputPixels },
  });
  // Strict transformations: only signed URLs may create derivatives; existing (eager) ones still serve.
  const mayCreate = signed || !(await cloudHasStrictTransformations(deps.db, asset.cloudName));
  const derived = mayCreate
    ? await obtainDerivative(
        { db: deps.db, queues: deps.queues, outcomes: deps.outcomes, waitTimeoutMs: deps.limits.deriveWaitTimeoutMs },
        asset,
        derivative,
      )
    : await findDerived(deps.db, {
        assetId: asset.assetId,
        versionId: asset.versionId,
        transformationHash: derivative.hash,
        format: derivative.format,
      });
  if (!derived) throw new ApiError(401, `Transformation ${transformation} is not allowed: this cloud only serves signed or eager transformations`);
  if (derivative.variesOnAccept) reply.header('vary', 'Accept');
  return sendStored(deps, request, reply, {
    storageKey: derived.storageKey,
    contentType: derived.contentType,
    etag: derived.etag,
    bytes: derived.bytes,
    lastModified: derived.createdAt,
    immutable: path.version === asset.version && !derivative.variesOnAccept,
  });
}

interface StoredBody {
  storageKey: string;
  contentType: string;
  etag: string;
  bytes: number;
  lastModified: Date;
  /** The URL names the current version, so these bytes can never change under it. */
  immutable: boolean;
}

async function sendStored(deps: DeliveryDependencies, request: FastifyRequest, reply: FastifyReply, body: StoredBody) {
  const etag = `"${body.etag}"`;
  reply
    .header('content-type', body.contentType)
    .header('etag', etag)
    .header('accept-ranges', 'bytes')
    .header('x-content-type-options', 'nosniff')
    .header('last-modified', body.lastModified.toUTCString())
    .header('cache-control', body.immutable ? `public, max-age=${ONE_YEAR}, immutable` : `public, max-age=${UNVERSIONED_MAX_AGE}`);

  if (noneMatchHits(request.headers['if-none-match'], etag)) return reply.code(304).send();

  const range = parseRangeHeader(request.headers.range, body.bytes);
  if (range.kind === 'unsatisfiable') {
    return reply
      .code(416)
      .header('content-range', `bytes */${body.bytes}`)
      .type('application/json')
      .send({
        error: { message: `Range not satisfiable for ${body.bytes} bytes` },
      });
  }
  if (range.kind === 'range') {
    reply
      .code(206)
      .header('content-range', `bytes ${range.start}-${range.end}/${body.bytes}`)
      .header('content-length', range.end - range.start + 1);
    if (request.method === 'HEAD') return reply.send();
    return reply.send(await deps.store.get(body.storageKey, { start: range.start, end: range.end }));
  }
  reply.header('content-length', body.bytes);
  if (request.method === 'HEAD') return reply.send();
  return reply.send(await deps.store.get(body.storageKey));
}

/** A signed URL may have been made with any of the cloud's keys. */
async function signatureIsValid(db: CatalogDb, path: DeliveryPath): Promise<boolean> {
  const secrets = await cloudApiSecrets(db, path.cloudName);
  return secrets.some((secret) => verifyUrlSignature(path.signedPayload, path.signature ?? '', secret));
}

/**
 * RFC 9110 §13.1.2: `*` or a list of entity tags, compared weakly (a `W/` prefix is ignored), so a
 * cache revalidating with several stored tags still gets its 304.
 */
function noneMatchHits(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  if (header.trim() === '*') return true;
  return header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
}

/**
 * Image and video URLs end in `.<format>`; a public_id may itself contain dots, so the id without
 * the extension is tried first and the whole text second. Raw ids keep their extension.
 */
async function findDeliveredAsset(db: CatalogDb, path: DeliveryPath): Promise<{ asset: AssetRecord | undefined; urlFormat: string | undefined }> {
  const identity = { cloudName: path.cloudName, resourceType: path.resourceType, type: path.type };
  if (path.resourceType === 'raw') return { asset: await findAsset(db, { ...identity, publicId: path.publicIdWithExt }), urlFormat: undefined };
  const split = splitDeliveryFormat(path.publicIdWithExt, path.resourceType);
  if (split.format !== undefined) {
    const asset = await findAsset(db, { ...identity, publicId: split.publicId });
    if (asset) return { asset, urlFormat: split.format };
  }
  return { asset: await findAsset(db, { ...identity, publicId: path.publicIdWithExt }), urlFormat: undefined };
}

function sameFormat(stored: string | null, requested: string): boolean {
  if (stored === null) return false;
  return normalizeFormat(stored) === normalizeFormat(requested);
}
