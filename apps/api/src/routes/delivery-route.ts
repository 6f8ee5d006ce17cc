import type { Readable } from 'node:stream';
import { buffer as readWhole } from 'node:stream/consumers';
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
import { obtainDerivative, planDerivative, type VideoPlanLimits } from '@rendition/derivations';
import { ensureFetchedOriginal, type AutoUploader, type FetchDelivery } from '@rendition/intake';
import { clientHintsOf, resolveClientHints, splitDefaultImage, varyHeaders } from '@rendition/transform';
import type { JobQueues } from '@rendition/jobs';
import { countDerivativeCache } from '@rendition/metrics';
import {
  ApiError,
  contentTypeForRaw,
  DEFAULT_CONTENT_TYPE,
  isPubliclyAccessible,
  normalizeFormat,
  parseDeliveryPath,
  splitDeliveryFormat,
  verifyUrlSignature,
  type DeliveryPath,
} from '@rendition/protocol';
import { BlobNotFoundError, type BlobStore } from '@rendition/storage';
import { parseRangeHeader } from '../byte-range.ts';
import { startDeliveryCache, variantOf, type CachedAnswer, type DeliveryCache } from '../delivery-cache.ts';
import { isStreamingSet, memberOf, sendStreamMember } from './stream-delivery.ts';
import { deliveryTokenAuthorizes } from './delivery-token.ts';
import { strictAllows } from './strict-allowance.ts';
import { findSpriteTextFile, isSpriteTextFile } from './sprite-delivery.ts';
import {
  attachmentDisposition,
  attachmentFilename,
  attachmentOf,
  DELIVERY_CONTENT_SECURITY_POLICY,
  deliveryCacheControl,
  isAttachmentOnly,
  takesSandboxPolicy,
  type AttachmentRequest,
} from '../delivery-headers.ts';

export interface DeliveryDependencies {
  db: CatalogDb;
  store: BlobStore;
  queues: JobQueues;
  outcomes: OutcomeWaiter;
  limits: { maxOutputDimension: number; maxOutputPixels: number; deriveWaitTimeoutMs: number; video: VideoPlanLimits };
  /** `/<cloud>/image/fetch/<url>` (docs/fetch-delivery.md); absent: fetch URLs answer 404. */
  fetchDelivery?: FetchDelivery;
  /** Upload mappings' auto-upload of a missing `upload` asset (docs/fetch-delivery.md); absent: a missing asset is a 404. */
  autoUploader?: AutoUploader;
  /** DELIVERY_CACHE_* and the database whose notices keep it fresh (delivery-cache.ts); absent or ttlMs 0: every hit asks the catalog. */
  deliveryCache?: { databaseUrl: string; ttlMs: number; maxEntries: number; maxBytes?: number; maxEntryBytes?: number };
}

/**
 * `GET /<cloud>/<resource_type>/<type>/[s--sig--/][<transformation>/][v<version>/]<public_id>[.<format>]`:
 * originals as stored, and derivatives computed on first request then served from storage.
 * Every answer carries `X-Content-Type-Options: nosniff` and, except for media and PDF, a sandboxing
 * Content-Security-Policy; raw files of active or unknown types and `fl_attachment` URLs are
 * attachments (docs/compatibility.md, "Delivery hardening").
 */
export function registerDeliveryRoutes(app: FastifyInstance, deps: DeliveryDependencies): void {
  const settings = deps.deliveryCache;
  const started =
    settings !== undefined && settings.ttlMs > 0
      ? startDeliveryCache({
          ...settings,
          db: deps.db,
          onError: (error) => app.log.warn({ err: error }, 'delivery change listener connection failed; delivery reads the catalog until it is back'),
        })
      : undefined;
  if (started) app.addHook('onClose', () => started.close());
  const cache = started?.cache;
  // Errors are answered by error-handler.ts, which also repeats the message in X-Cld-Error as Cloudinary does.
  const handler = (request: FastifyRequest, reply: FastifyReply) => deliverUrlPath(deps, request, reply, urlPathOf(request.url), {}, cache);
  // HEAD is registered explicitly: Fastify's automatic HEAD would report a streamed body as 0 bytes.
  app.route({ method: ['GET', 'HEAD'], url: '/:cloud/:resourceType/:type/*', handler, exposeHeadRoute: false });
}

export interface DeliveryOptions {
  /** The moderation console's previews: a moderator sees what moderation rejected. */
  showRejected?: boolean;
  /** Only this cloud's assets (the console's session); others answer 404. */
  cloudName?: string;
  /** A signed private download: every delivery type's original is delivered (private ones too). */
  authorized?: boolean;
  /** Signed by a token (delivery-token.ts): the answer is for its holder only, as a private download's. */
  tokenSigned?: boolean;
}

/**
 * Delivers a delivery path (`/<cloud>/<resource_type>/<type>/…`), as the delivery route and the
 * console's previews do. With `cache` (the route's), a URL resolved before is answered from it after
 * the request's own checks (signature, token, access_control's windows), with no catalog statement.
 */
export async function deliverUrlPath(
  deps: DeliveryDependencies,
  request: FastifyRequest,
  reply: FastifyReply,
  urlPath: string,
  options: DeliveryOptions = {},
  cache?: DeliveryCache,
) {
  const known = cache?.lookup(urlPath);
  const path = known?.path ?? parseDeliveryPath(urlPath);
  if (options.cloudName !== undefined && path.cloudName !== options.cloudName) throw new ApiError(404, `Resource not found - ${path.publicIdWithExt}`);
  const signatureValid = path.signature !== undefined && (await signatureIsValid(deps.db, path));
  if (path.signature !== undefined && !signatureValid) throw new ApiError(401, `Invalid signature in the URL of ${path.publicIdWithExt}`);
  // Without a signature, a `__cld_token__` (query or cookie) that verifies signs the URL (delivery-token.ts).
  const tokenSigned = !signatureValid && (await deliveryTokenAuthorizes(deps.db, request, urlPath, path));
  const signed = signatureValid || tokenSigned;
  if (tokenSigned) options = { ...options, tokenSigned };
  const variant = cache === undefined ? '' : variantOf(signed, tokenSigned, request.headers.accept);
  const answer = known?.answers.get(variant);
  if (answer !== undefined && (signed || answer.accessControl === null || isPubliclyAccessible(answer.accessControl, new Date()))) {
    const opened = await openCached(deps, request, answer, cache?.wantsBytes(answer) === true ? { cache, urlPath } : undefined);
    if (opened !== undefined) {
      if (answer.derivative) countDerivativeCache('hit');
      return sendOpened(reply, answer, opened);
    }
    cache?.forgetUrl(urlPath);
  }
  // A fetch URL's remote image is stored (or refreshed) first, then delivered like any asset.
  if (path.type === 'fetch') await ensureFetchedOriginal(deps, path, signed);
  const { folderReading, ...firstReading } = path;
  // Kept only when the first reading named the asset: an upload can never change what such a URL names.
  const token = cache?.token();
  let captured: CachedAnswer | undefined;
  const capture =
    cache !== undefined && path.type !== 'fetch'
      ? (found: CachedAnswer) => {
          captured = found;
        }
      : undefined;
  try {
    const result = await deliverPath(deps, request, reply, firstReading, signed, options, true, capture);
    if (captured !== undefined && token !== undefined) cache?.remember(urlPath, path, variant, captured, token);
    return result;
  } catch (error) {
    // A versionless `w_100_x/y` or `c_fill/x`: the leading components were read as steps. When that
    // reading names no asset or no valid transformation, they are folders of an asset that exists.
    if (!folderReading || !(error instanceof ApiError) || (error.status !== 404 && error.status !== 400) || reply.sent) throw error;
    if (!(await findDeliveredAsset(deps.db, folderReading)).asset) throw error;
    return deliverPath(deps, request, reply, folderReading, signed, options);
  }
}

/**
 * One delivery path. `d_<default image>` comes out of the transformation first: a missing asset, or
 * an image moderation rejected, delivers the default image (with the rest of the transformation, in
 * the URL's format) when the URL names one, and answers 404 otherwise. `capture` is handed the answer
 * when it depends on nothing but the URL, the request's variant (delivery-cache.ts) and the asset's rows.
 */
export async function deliverPath(
  deps: DeliveryDependencies,
  request: FastifyRequest,
  reply: FastifyReply,
  requestedPath: DeliveryPath,
  signed: boolean,
  options: DeliveryOptions,
  mayFallBack = true,
  capture?: (answer: CachedAnswer) => void,
) {
  // w_auto / dpr_auto take their values from the Client Hints now: each resolved width is its own derivative.
  const hinted = resolveClientHints(requestedPath.transformation ?? '', clientHintsOf(request.headers));
  if (hinted.dependsOn.length > 0) addVary(reply, varyHeaders(hinted.dependsOn));
  const fallback = splitDefaultImage(hinted.transformation);
  const { transformation: _written, ...untransformed } = requestedPath;
  const path: DeliveryPath = fallback.rest === '' ? untransformed : { ...untransformed, transformation: fallback.rest };
  const { asset, urlFormat, notFound, firstTry } = await findOrAutoUpload(deps, path);
  if (!asset || (asset.moderationStatus === 'rejected' && options.showRejected !== true)) {
    // The default image is delivered as it is: a missing or rejected default is a 404, never a loop.
    if (fallback.defaultImage !== undefined && mayFallBack) {
      return deliverPath(deps, request, reply, defaultImagePath(path, fallback.defaultImage, urlFormat), signed, options, false);
    }
    throw notFound ?? new ApiError(404, `Resource not found - ${path.publicIdWithExt}`);
  }
  // parseDeliveryPath has checked every escape, so decoding cannot throw.
  const requested = decodeURIComponent(path.transformation ?? '');
  // `fl_attachment[:name]` alone changes no byte: the stored bytes are delivered as a download, so it
  // works for every resource type and follows the original's access rules.
  const attachmentOnly = isAttachmentOnly(requested);
  const transformation = attachmentOnly ? '' : (path.transformation ?? '');
  // A video URL with another extension is a derivative (a frame, a transcode, a stream); a raw id keeps its own.
  // (A private download names its format only when it wants another one.)
  const original = transformation === '' && (urlFormat === undefined || asset.resourceType === 'raw' || sameFormat(asset.format, urlFormat));

  // Delivery types, as Cloudinary defines them: authenticated needs a signature for everything;
  // private never serves the original by URL; upload serves everything.
  if (asset.type === 'authenticated' && !signed) throw new ApiError(401, `Resource ${path.publicIdWithExt} requires a signed URL`);
  // access_control (Admin API update): outside its anonymous windows only a signed URL is delivered.
  if (!signed && options.authorized !== true && !isPubliclyAccessible(asset.accessControl, new Date())) {
    throw new ApiError(401, `Resource ${path.publicIdWithExt} is restricted by its access_control`);
  }
  if (asset.type === 'private' && original && options.authorized !== true)
    throw new ApiError(401, `The original of private resource ${path.publicIdWithExt} is not delivered by URL`);
  // Answers that Client Hints shape, or that an insert could change (the id read with its extension
  // after the id without it named nothing), are never cached.
  const remember = hinted.dependsOn.length === 0 && firstTry ? capture : undefined;
  if (original) {
    // Raw types are decided now, from the public_id, not from the type stored at upload: rows stored
    // before active types were refused their real type still hold it.
    const contentType = asset.resourceType === 'raw' ? contentTypeForRaw(asset.publicId) : asset.contentType;
    const attachment = attachmentOnly ? attachmentOf(requested) : undefined;
    const body: StoredBody = {
      storageKey: asset.storageKey,
      contentType,
      etag: asset.etag,
      bytes: asset.bytes,
      lastModified: asset.createdAt,
      immutable: path.version === asset.version && hinted.dependsOn.length === 0,
      disposition: dispositionFor(asset, contentType, urlFormat ?? asset.format, attachment),
      ...privateCaching(options),
    };
    remember?.(cachedAnswer(asset, body, reply, false));
    return sendStored(deps, request, reply, body);
  }

  // A sprite's CSS or JSON is never computed: the sprite job stored it under its transformation.
  if (isSpriteTextFile(asset)) {
    const file = await findSpriteTextFile(deps, asset, transformation, path.publicIdWithExt);
    return sendStored(deps, request, reply, {
      storageKey: file.storageKey,
      contentType: file.contentType,
      etag: file.etag,
      bytes: file.bytes,
      lastModified: file.createdAt,
      immutable: path.version === asset.version,
      disposition: undefined,
      ...privateCaching(options),
    });
  }

  const derivative = await planDerivative(deps.db, asset, {
    transformation,
    urlFormat,
    accept: request.headers.accept,
    limits: { maxDimension: deps.limits.maxOutputDimension, maxPixels: deps.limits.maxOutputPixels },
    video: deps.limits.video,
  });
  // Strict transformations: only signed URLs may create derivatives; existing (eager) ones still serve.
  // allowed_for_strict transformations (Admin API update_transformation) are built unsigned too.
  const mayCreate =
    signed ||
    !(await cloudHasStrictTransformations(deps.db, asset.cloudName)) ||
    (await strictAllows(deps.db, asset.cloudName, transformation, derivative.canonical));
  const derived = mayCreate
    ? await obtainDerivative(
        {
          db: deps.db,
          queues: deps.queues,
          outcomes: deps.outcomes,
          waitTimeoutMs: deps.limits.deriveWaitTimeoutMs,
          maxSyncVideoBytes: deps.limits.video.maxSyncBytes,
        },
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
  if (derivative.variesOnAccept) addVary(reply, ['Accept']);
  // A stream (HLS, DASH) is a set: the URL with `?member=<name>` serves one of its playlists or segments.
  if (isStreamingSet(derived.format)) {
    return sendStreamMember(deps, request, reply, derived, memberOf(request.url), path.publicIdWithExt, path.version === asset.version);
  }
  // The canonical text has named transformations expanded, so a `t_` that holds fl_attachment counts.
  const attachment = attachmentOnly ? attachmentOf(requested) : attachmentOf(derivative.canonical);
  const body: StoredBody = {
    storageKey: derived.storageKey,
    contentType: derived.contentType,
    etag: derived.etag,
    bytes: derived.bytes,
    lastModified: derived.createdAt,
    immutable: path.version === asset.version && !derivative.variesOnAccept && hinted.dependsOn.length === 0 && !derivative.dependsOnMoreThanTheAsset,
    disposition: dispositionFor(asset, derived.contentType, derivative.format, attachment),
    ...privateCaching(options),
  };
  // A layer's asset or a condition's tags may change without a notice for this asset: not cached.
  if (!derivative.dependsOnMoreThanTheAsset) remember?.(cachedAnswer(asset, body, reply, true));
  return sendStored(deps, request, reply, body);
}

/**
 * `Content-Disposition: attachment` for `fl_attachment[:name]`, and for raw files this origin will
 * not display (active types such as html, svg, xml, js, and unknown ones: application/octet-stream).
 */
function dispositionFor(asset: AssetRecord, contentType: string, format: string | null, attachment: AttachmentRequest | undefined): string | undefined {
  const download = attachment ?? (asset.resourceType === 'raw' && contentType === DEFAULT_CONTENT_TYPE ? { filename: null } : undefined);
  if (download === undefined) return undefined;
  return attachmentDisposition(attachmentFilename({ publicId: asset.publicId, resourceType: asset.resourceType, format, name: download.filename }));
}

export interface StoredBody {
  storageKey: string;
  contentType: string;
  etag: string;
  bytes: number;
  lastModified: Date;
  /** The URL names the current version, so these bytes can never change under it. */
  immutable: boolean;
  /** A Content-Disposition value when the bytes go out as a download. */
  disposition: string | undefined;
  /** Instead of delivery's public caching (a private download's answer is for its holder only). */
  cacheControl?: string;
}

export function sendStored(deps: Pick<DeliveryDependencies, 'store'>, request: FastifyRequest, reply: FastifyReply, body: StoredBody) {
  const etag = `"${body.etag}"`;
  return sendBytes(deps, request, reply, { storageKey: body.storageKey, bytes: body.bytes, etag, headers: storedHeaders(body, etag) });
}

/** The headers of stored bytes (Content-Length aside), as a 200, a 206 and a 304 carry them. */
function storedHeaders(body: StoredBody, etag: string): Record<string, string> {
  const headers: Record<string, string> = {
    'content-type': body.contentType,
    etag,
    'accept-ranges': 'bytes',
    'x-content-type-options': 'nosniff',
    'last-modified': body.lastModified.toUTCString(),
    'cache-control': body.cacheControl ?? deliveryCacheControl(body.immutable),
  };
  if (takesSandboxPolicy(body.contentType)) headers['content-security-policy'] = DELIVERY_CONTENT_SECURITY_POLICY;
  if (body.disposition !== undefined) headers['content-disposition'] = body.disposition;
  return headers;
}

/** What the cache keeps of an answer about to be sent: its bytes' key and every header, Vary included. */
function cachedAnswer(asset: AssetRecord, body: StoredBody, reply: FastifyReply, derivative: boolean): CachedAnswer {
  const etag = `"${body.etag}"`;
  const headers = storedHeaders(body, etag);
  const vary = reply.getHeader('vary');
  if (typeof vary === 'string' && vary !== '') headers.vary = vary;
  return {
    assetId: asset.assetId,
    accessControl: asset.accessControl ?? null,
    storageKey: body.storageKey,
    bytes: body.bytes,
    etag,
    headers,
    derivative,
  };
}

/**
 * A cached answer's bytes; undefined when they are gone (deleted before the change notice arrived).
 * With `keep` (the cache wants them), a GET reads them whole, answers with them and offers them to the
 * cache, so the next hits answer with no storage call at all.
 */
async function openCached(
  deps: Pick<DeliveryDependencies, 'store'>,
  request: FastifyRequest,
  answer: CachedAnswer,
  keep?: { cache: DeliveryCache; urlPath: string },
): Promise<OpenedBytes | undefined> {
  try {
    if (keep === undefined || request.method !== 'GET') return await openBytes(deps, request, answer);
    const data = await readWhole(await deps.store.get(answer.storageKey));
    keep.cache.keepBytes(keep.urlPath, answer, data);
    // Read once: this answer is made from them whether or not the cache had room to keep them (but
    // only when they are the size the answer's headers state).
    return await openBytes(deps, request, data.length === answer.bytes ? { ...answer, data } : answer);
  } catch (error) {
    if (error instanceof BlobNotFoundError) return undefined;
    throw error;
  }
}

type BytesAnswer = Pick<CachedAnswer, 'storageKey' | 'bytes' | 'etag' | 'headers' | 'data'>;

/** What a request gets of stored bytes; `body` is absent for HEAD (and for 304 and 416, which carry none). */
type OpenedBytes =
  | { status: 304 }
  | { status: 416 }
  | { status: 206; start: number; end: number; body: Readable | Buffer | undefined }
  | { status: 200; body: Readable | Buffer | undefined };

async function sendBytes(deps: Pick<DeliveryDependencies, 'store'>, request: FastifyRequest, reply: FastifyReply, answer: BytesAnswer) {
  return sendOpened(reply, answer, await openBytes(deps, request, answer));
}

/**
 * Decides between a 304, a 416, a 206 and a 200 and opens the bytes it needs, before any header is
 * set: a missing blob fails with the reply untouched.
 */
async function openBytes(deps: Pick<DeliveryDependencies, 'store'>, request: FastifyRequest, answer: BytesAnswer): Promise<OpenedBytes> {
  if (noneMatchHits(request.headers['if-none-match'], answer.etag)) return { status: 304 };
  const range = parseRangeHeader(request.headers.range, answer.bytes);
  if (range.kind === 'unsatisfiable') return { status: 416 };
  const head = request.method === 'HEAD';
  const { data } = answer;
  if (range.kind === 'range') {
    const body = head
      ? undefined
      : (data?.subarray(range.start, range.end + 1) ?? (await deps.store.get(answer.storageKey, { start: range.start, end: range.end })));
    return { status: 206, start: range.start, end: range.end, body };
  }
  return { status: 200, body: head ? undefined : (data ?? (await deps.store.get(answer.storageKey))) };
}

function sendOpened(reply: FastifyReply, answer: BytesAnswer, opened: OpenedBytes) {
  reply.headers(answer.headers);
  switch (opened.status) {
    case 304:
      return reply.code(304).send();
    case 416:
      return reply
        .code(416)
        .header('content-range', `bytes */${answer.bytes}`)
        .type('application/json')
        .send({ error: { message: `Range not satisfiable for ${answer.bytes} bytes` } });
    case 206:
      reply
        .code(206)
        .header('content-range', `bytes ${opened.start}-${opened.end}/${answer.bytes}`)
        .header('content-length', opened.end - opened.start + 1);
      return opened.body === undefined ? reply.send() : reply.send(opened.body);
    case 200:
      reply.header('content-length', answer.bytes);
      return opened.body === undefined ? reply.send() : reply.send(opened.body);
  }
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
async function findDeliveredAsset(
  db: CatalogDb,
  path: DeliveryPath,
): Promise<{ asset: AssetRecord | undefined; urlFormat: string | undefined; firstTry: boolean }> {
  const identity = { cloudName: path.cloudName, resourceType: path.resourceType, type: path.type };
  // A fetched image's public_id is its whole URL: a trailing `.png` is part of it, never a format.
  if (path.type === 'fetch' || path.resourceType === 'raw') {
    return { asset: await findAsset(db, { ...identity, publicId: path.publicIdWithExt }), urlFormat: undefined, firstTry: true };
  }
  const split = splitDeliveryFormat(path.publicIdWithExt, path.resourceType);
  if (split.format !== undefined) {
    const asset = await findAsset(db, { ...identity, publicId: split.publicId });
    if (asset) return { asset, urlFormat: split.format, firstTry: true };
  }
  // Found only now, the asset would lose this URL to one uploaded under the id without the extension.
  return { asset: await findAsset(db, { ...identity, publicId: path.publicIdWithExt }), urlFormat: undefined, firstTry: split.format === undefined };
}

/**
 * The delivered asset; when there is none and its folder has an upload mapping, it is auto-uploaded
 * first. A failed auto-upload is a 404 like a missing asset (a `d_` default image still replaces it),
 * carrying the upload's reason.
 */
async function findOrAutoUpload(
  deps: DeliveryDependencies,
  path: DeliveryPath,
): Promise<{ asset: AssetRecord | undefined; urlFormat: string | undefined; notFound?: ApiError; firstTry: boolean }> {
  const found = await findDeliveredAsset(deps.db, path);
  if (found.asset || !deps.autoUploader) return found;
  try {
    return (await deps.autoUploader.uploadMissing(path)) ? { ...(await findDeliveredAsset(deps.db, path)), firstTry: false } : found;
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return { ...found, notFound: error };
    throw error;
  }
}

/** Adds names to the answer's `Vary` (an answer may vary on Accept and on Client Hints at once). */
function addVary(reply: FastifyReply, names: string[]): void {
  const current = reply.getHeader('vary');
  const present = typeof current === 'string' && current !== '' ? current.split(',').map((name) => name.trim()) : [];
  reply.header('vary', [...new Set([...present, ...names])].join(', '));
}

/** A private download's answer, or one a token unlocked, is not for shared caches. */
function privateCaching(options: DeliveryOptions): { cacheControl?: string } {
  return options.authorized === true || options.tokenSigned === true ? { cacheControl: 'private, no-store' } : {};
}

/** The default image (an `image/upload` asset of the same cloud) in the requested URL's format. */
function defaultImagePath(path: DeliveryPath, defaultImage: string, urlFormat: string | undefined): DeliveryPath {
  const split = splitDeliveryFormat(defaultImage, 'image');
  const format = urlFormat ?? split.format;
  const { version: _unversioned, ...rest } = path;
  return { ...rest, resourceType: 'image', type: 'upload', publicIdWithExt: format === undefined ? split.publicId : `${split.publicId}.${format}` };
}

/** The path of a request's URL: what delivery reads (the query carries only tokens and `member`). */
function urlPathOf(url: string): string {
  const query = url.indexOf('?');
  return query < 0 ? url : url.slice(0, query);
}

function sameFormat(stored: string | null, requested: string): boolean {
  if (stored === null) return false;
  return normalizeFormat(stored) === normalizeFormat(requested);
}
