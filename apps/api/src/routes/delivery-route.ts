import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { findAsset, type AssetRecord, type CatalogDb } from '@rendition/catalog';
import { ApiError, parseDeliveryPath, type DeliveryPath } from '@rendition/protocol';
import type { BlobStore } from '@rendition/storage';
import { parseRangeHeader } from '../byte-range.ts';

export interface DeliveryDependencies {
  db: CatalogDb;
  store: BlobStore;
}

const ONE_YEAR = 31_536_000;
const UNVERSIONED_MAX_AGE = 3_600;

/** `GET /<cloud>/<resource_type>/<type>/[v<version>/]<public_id>[.<format>]`: originals, as stored. */
export function registerDeliveryRoutes(app: FastifyInstance, deps: DeliveryDependencies): void {
  const handler = (request: FastifyRequest, reply: FastifyReply) => deliver(deps, request, reply);
  // HEAD is registered explicitly: Fastify's automatic HEAD would report a streamed body as 0 bytes.
  app.route({ method: ['GET', 'HEAD'], url: '/:cloud/:resourceType/:type/*', handler, exposeHeadRoute: false });
}

async function deliver(deps: DeliveryDependencies, request: FastifyRequest, reply: FastifyReply) {
  const path = parseDeliveryPath(request.url.split('?')[0] ?? '');
  if (path.transformation) {
    throw new ApiError(404, `Transformations are not available on delivery yet: ${path.transformation}`);
  }
  const asset = await findDeliveredAsset(deps.db, path);
  if (!asset) throw new ApiError(404, `Resource not found - ${path.publicIdWithExt}`);
  if (asset.type !== 'upload') {
    // Signed delivery URLs arrive with the transformations issue; until then nothing private leaves.
    throw new ApiError(401, `Resource ${path.publicIdWithExt} requires a signed URL`);
  }

  const etag = `"${asset.etag}"`;
  const immutable = path.version === asset.version;
  reply
    .header('content-type', asset.contentType)
    .header('etag', etag)
    .header('accept-ranges', 'bytes')
    .header('last-modified', asset.createdAt.toUTCString())
    .header('cache-control', immutable ? `public, max-age=${ONE_YEAR}, immutable` : `public, max-age=${UNVERSIONED_MAX_AGE}`);

  if (noneMatchHits(request.headers['if-none-match'], etag)) return reply.code(304).send();

  const range = parseRangeHeader(request.headers.range, asset.bytes);
  if (range.kind === 'unsatisfiable') {
    return reply.code(416).header('content-range', `bytes */${asset.bytes}`).type('application/json').send({
      error: { message: `Range not satisfiable for ${asset.bytes} bytes` },
    });
  }
  if (range.kind === 'range') {
    reply
      .code(206)
      .header('content-range', `bytes ${range.start}-${range.end}/${asset.bytes}`)
      .header('content-length', range.end - range.start + 1);
    if (request.method === 'HEAD') return reply.send();
    return reply.send(await deps.store.get(asset.storageKey, { start: range.start, end: range.end }));
  }
  reply.header('content-length', asset.bytes);
  if (request.method === 'HEAD') return reply.send();
  return reply.send(await deps.store.get(asset.storageKey));
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
 * Image and video URLs end in `.<format>`; a public_id may itself contain dots, so the id with
 * the extension removed is tried first and the whole text second. Raw ids keep their extension.
 */
async function findDeliveredAsset(db: CatalogDb, path: DeliveryPath): Promise<AssetRecord | undefined> {
  const identity = { cloudName: path.cloudName, resourceType: path.resourceType, type: path.type };
  if (path.resourceType === 'raw') return findAsset(db, { ...identity, publicId: path.publicIdWithExt });
  const dot = path.publicIdWithExt.lastIndexOf('.');
  if (dot > 0 && !path.publicIdWithExt.slice(dot).includes('/')) {
    const extension = path.publicIdWithExt.slice(dot + 1).toLowerCase();
    const asset = await findAsset(db, { ...identity, publicId: path.publicIdWithExt.slice(0, dot) });
    if (asset && sameFormat(asset.format, extension)) return asset;
    if (asset) throw new ApiError(404, `Format conversion on delivery is not available yet: ${extension}`);
  }
  return findAsset(db, { ...identity, publicId: path.publicIdWithExt });
}

function sameFormat(stored: string | null, requested: string): boolean {
  if (stored === null) return false;
  const aliases: Record<string, string> = { jpeg: 'jpg', tif: 'tiff' };
  return (aliases[stored] ?? stored) === (aliases[requested] ?? requested);
}
