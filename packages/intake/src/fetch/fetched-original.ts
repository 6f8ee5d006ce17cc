import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  claimFetchLease,
  cloudFetchSettings,
  fetchOriginTopic,
  readFetchOrigin,
  recordFetchFailure,
  releaseFetchLease,
  renewFetchedVersion,
  storeFetchedVersion,
  type AssetRecord,
  type CatalogDb,
  type FetchOriginKey,
  type FetchOriginState,
  type OutcomeWaiter,
} from '@rendition/catalog';
import { countRemoteFetchFailure } from '@rendition/metrics';
import { assertFetchableUrl, assertSuccessStatus, RemoteFetchError, type GuardedFetcher, type GuardedResponse } from '@rendition/net';
import { ApiError, contentTypeForFormat, fetchRequestUrl, isAllowedFetchHost, type DeliveryPath } from '@rendition/protocol';
import { measureStream } from '@rendition/scratch';
import { deleteDerivedBlobs, originalKey, type BlobStore } from '@rendition/storage';
import { freshnessLifetime } from './fetch-freshness.ts';
import { imageDimensions, mayBeImageContentType, sniffImageFormat, SNIFF_BYTES, type SniffedFormat } from './image-sniff.ts';

/** FETCH_* (docs/fetch-delivery.md, docs/env.md). */
export interface FetchDeliverySettings {
  /** One remote fetch, body included (bounded by the fetcher's own REMOTE_FETCH_TIMEOUT_MS too). */
  timeoutMs: number;
  /** Largest body stored (bounded by the fetcher's MAX_REMOTE_BYTES too). */
  maxBytes: number;
  minTtlSeconds: number;
  maxTtlSeconds: number;
  /** How long a failure is answered to every request; 0: only to the requests that waited for it. */
  failureTtlSeconds: number;
}

/** What fetch delivery needs beyond delivery's own dependencies. */
export interface FetchDelivery {
  /** The SSRF-guarded client: its address policy, SSRF_ALLOW and redirect limit apply to every fetch. */
  fetcher: Pick<GuardedFetcher, 'fetch' | 'policy'>;
  settings: FetchDeliverySettings;
}

export interface FetchDeliveryDependencies {
  db: CatalogDb;
  store: BlobStore;
  outcomes: OutcomeWaiter;
  /** Absent: fetch URLs answer 404 (a server built without it, as some tests build the API). */
  fetchDelivery?: FetchDelivery;
}

/** How much of a body is kept to read the image's dimensions from (a JPEG's frame header follows its EXIF). */
const HEADER_BYTES = 256 * 1024;
/** Beyond the fetch's own time limit, what a lease allows for storing the body and writing the catalog. */
const LEASE_MARGIN_SECONDS = 30;

/**
 * Makes sure the remote image a fetch URL names is stored and fresh, so that delivery can then serve
 * it (or a derivative of it) like any asset, as `(cloud, image, fetch, <url>)`. Refuses first what no
 * fetch may do: a cloud that does not exist (404), an unsigned URL on a cloud with strict
 * transformations (401), a host outside the cloud's allowed fetch domains (401), an address the SSRF
 * policy refuses (400). Then, when the stored copy is missing or expired, exactly one request in the
 * whole cluster fetches it (the lease in `fetch_origins`) while the others wait for its outcome
 * signal; a failure it records is answered to all of them. See docs/fetch-delivery.md.
 */
export async function ensureFetchedOriginal(deps: FetchDeliveryDependencies, path: DeliveryPath, signed: boolean): Promise<void> {
  const url = path.publicIdWithExt;
  const fetchDelivery = deps.fetchDelivery;
  if (fetchDelivery === undefined) throw new ApiError(404, `Resource not found - ${shownUrl(url)}: fetch delivery is not enabled on this server`);
  if (path.resourceType !== 'image') throw new ApiError(400, `Fetch delivery supports images only, not ${path.resourceType}`);
  const cloud = await cloudFetchSettings(deps.db, path.cloudName);
  if (cloud === undefined) throw new ApiError(404, `Resource not found - ${shownUrl(url)}`);
  if (cloud.strictTransformations && !signed) {
    throw new ApiError(401, 'Images of type fetch are restricted in this account: strict transformations are on, so fetch URLs must be signed');
  }
  let target: URL;
  try {
    target = assertFetchableUrl(fetchRequestUrl(url), fetchDelivery.fetcher.policy);
  } catch (error) {
    if (error instanceof RemoteFetchError) throw new ApiError(400, error.message, { cause: error });
    throw error;
  }
  if (!isAllowedFetchHost(target.hostname, cloud.allowedFetchDomains)) throw disallowedHost(target.hostname);
  const context: FetchContext = {
    deps,
    fetchDelivery,
    key: { fetchKey: fetchKeyOf(path.cloudName, url), cloudName: path.cloudName, url },
    requestUrl: target.href,
    allowedFetchDomains: cloud.allowedFetchDomains,
  };
  await obtainFresh(context);
}

/** The row key of a cloud's fetched URL, and of its advisory signal: sha256 over both, NUL-separated. */
export function fetchKeyOf(cloudName: string, url: string): string {
  return createHash('sha256').update(cloudName).update('\0').update(url).digest('hex');
}

interface FetchContext {
  deps: FetchDeliveryDependencies;
  fetchDelivery: FetchDelivery;
  key: FetchOriginKey;
  requestUrl: string;
  allowedFetchDomains: readonly string[];
}

async function obtainFresh(context: FetchContext): Promise<void> {
  const { db, outcomes } = context.deps;
  const leaseSeconds = Math.ceil(context.fetchDelivery.settings.timeoutMs / 1000) + LEASE_MARGIN_SECONDS;
  // Long enough to outlast a holder that dies (its lease expires) and then fetch ourselves.
  const deadline = Date.now() + 2 * leaseSeconds * 1000;
  let startedAt: Date | undefined;
  let conflicts = 0;
  for (;;) {
    const state = await readFetchOrigin(db, context.key);
    startedAt ??= state.now;
    if (state.fresh) return;
    // A failure recorded while we waited is our answer too; an older one until it expires.
    if (state.failure && (state.failure.fresh || state.failure.at >= startedAt)) throw new ApiError(state.failure.status, state.failure.message);
    if (!state.leased) {
      const token = randomUUID();
      if (await claimFetchLease(db, context.key, { token, seconds: leaseSeconds })) {
        const outcome = await fetchAsHolder(context, state, token);
        if (outcome === 'done') return;
        // The asset changed identity under us (destroyed meanwhile): read again, at most a few times.
        if (++conflicts > 2) throw new ApiError(503, 'Service unavailable: the fetched image kept changing, try again shortly', { expose: true });
        continue;
      }
    }
    const left = deadline - Date.now();
    if (left <= 0) {
      throw new ApiError(503, `Service unavailable: ${shownUrl(context.key.url)} is still being fetched, try again shortly`, { expose: true });
    }
    await outcomes.waitFor(
      fetchOriginTopic(context.key.fetchKey),
      async () => {
        const current = await readFetchOrigin(db, context.key);
        return current.leased ? undefined : current;
      },
      left,
    );
  }
}

type HolderOutcome = 'done' | 'conflict';

/** The one fetch of this URL now: its outcome is written with the lease's release, then signalled. */
async function fetchAsHolder(context: FetchContext, state: FetchOriginState, token: string): Promise<HolderOutcome> {
  const { db } = context.deps;
  const { settings } = context.fetchDelivery;
  let fetched: Download;
  try {
    fetched = await download(context, state);
  } catch (error) {
    const failure = classifyFailure(error, context.key.url);
    if (failure === undefined) {
      // Our own failure (storage, catalog): nothing to tell the waiters but to try again.
      await releaseFetchLease(db, context.key, token).catch(() => undefined);
      throw error;
    }
    if (failure.serveStale && state.asset) {
      // The remote server is down or slow: the stored copy is served a while longer (stale-if-error).
      await renewFetchedVersion(db, { key: context.key, token, versionId: state.asset.versionId, ttlSeconds: settings.minTtlSeconds });
      return 'done';
    }
    await recordFetchFailure(db, {
      key: context.key,
      token,
      status: failure.error.status,
      message: failure.error.message,
      ttlSeconds: settings.failureTtlSeconds,
    });
    throw failure.error;
  }
  const ttlSeconds = freshnessLifetime(fetched.headers, settings);
  const validators = { etag: fetched.headers.etag ?? null, lastModified: fetched.headers['last-modified'] ?? null };
  try {
    // Not modified, or the same bytes again: the stored version stays, and so do its derivatives.
    if (state.asset && (fetched.kind === 'not-modified' || fetched.stored.md5 === state.asset.etag)) {
      if (fetched.kind === 'stored') await context.deps.store.delete(fetched.stored.key);
      await renewFetchedVersion(db, { key: context.key, token, versionId: state.asset.versionId, ttlSeconds, validators });
      return 'done';
    }
    // download() asks conditionally only when a version is stored, so only a stored body is left.
    if (fetched.kind === 'not-modified') throw new Error('a 304 answered an unconditional fetch');
    const outcome = await storeFetchedVersion(db, {
      key: context.key,
      token,
      asset: fetchedAsset(context.key, fetched.stored),
      replaces: state.asset !== undefined,
      ttlSeconds,
      validators,
    });
    if (outcome.kind === 'conflict') {
      await context.deps.store.delete(fetched.stored.key).catch(() => undefined);
      return 'conflict';
    }
    await deleteDerivedBlobs(context.deps.store, outcome.obsoleteKeys).catch(() => undefined);
    return 'done';
  } catch (error) {
    await releaseFetchLease(db, context.key, token).catch(() => undefined);
    if (fetched.kind === 'stored') await context.deps.store.delete(fetched.stored.key).catch(() => undefined);
    throw error;
  }
}

interface StoredBody {
  key: string;
  assetId: string;
  versionId: string;
  format: SniffedFormat;
  bytes: number;
  md5: string;
  dimensions: { width: number; height: number } | undefined;
}

type Download =
  | { kind: 'not-modified'; headers: Readonly<Record<string, string>> }
  | { kind: 'stored'; stored: StoredBody; headers: Readonly<Record<string, string>> };

/**
 * One GET of the remote URL (conditional when the stored version has validators), its body checked
 * to be an image and streamed into storage under a new version's key; nothing is held in memory but
 * the first bytes.
 */
async function download(context: FetchContext, state: FetchOriginState): Promise<Download> {
  const { fetcher, settings } = context.fetchDelivery;
  const conditional: Record<string, string> = {};
  if (state.asset && state.validators) {
    if (state.validators.etag) conditional['if-none-match'] = state.validators.etag;
    if (state.validators.lastModified) conditional['if-modified-since'] = state.validators.lastModified;
  }
  const response = await fetcher.fetch(context.requestUrl, { headers: { accept: 'image/*', ...conditional }, timeoutMs: settings.timeoutMs });
  try {
    const final = new URL(response.finalUrl);
    // Redirects are followed through the SSRF guard; where they end must be an allowed domain too.
    if (!isAllowedFetchHost(final.hostname, context.allowedFetchDomains)) throw disallowedHost(final.hostname);
    if (response.status === 304 && Object.keys(conditional).length > 0) {
      response.body.destroy();
      return { kind: 'not-modified', headers: response.headers };
    }
    assertSuccessStatus(response);
    const contentType = response.headers['content-type'];
    if (!mayBeImageContentType(contentType)) throw notAnImage(context.key.url, `its content type is ${contentType}`);
    const declared = Number(response.headers['content-length']);
    if (declared > settings.maxBytes) throw tooLarge(context.key.url, settings.maxBytes);
    const stored = await storeBody(context, state.asset, response);
    return { kind: 'stored', stored, headers: response.headers };
  } catch (error) {
    response.body.destroy();
    throw error;
  }
}

async function storeBody(context: FetchContext, current: AssetRecord | undefined, response: GuardedResponse): Promise<StoredBody> {
  const { settings } = context.fetchDelivery;
  const chunks = response.body[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  let head = Buffer.alloc(0);
  let ended = false;
  while (head.length < SNIFF_BYTES) {
    const next = await chunks.next();
    if (next.done === true) {
      ended = true;
      break;
    }
    head = Buffer.concat([head, next.value]);
  }
  const format = sniffImageFormat(head);
  if (format === undefined) throw notAnImage(context.key.url, head.length === 0 ? 'it is empty' : 'its bytes are no image format');
  if (head.length > settings.maxBytes) throw tooLarge(context.key.url, settings.maxBytes);

  // The header bytes are kept (up to HEADER_BYTES) while the whole body streams into storage.
  let header = head;
  async function* body(): AsyncGenerator<Buffer> {
    yield head;
    if (ended) return;
    for (;;) {
      const next = await chunks.next();
      if (next.done === true) return;
      if (header.length < HEADER_BYTES) header = Buffer.concat([header, next.value.subarray(0, HEADER_BYTES - header.length)]);
      yield next.value;
    }
  }
  const assetId = current?.assetId ?? randomBytes(16).toString('hex');
  const versionId = randomBytes(16).toString('hex');
  const key = originalKey(assetId, versionId);
  const measured = measureStream(Readable.from(body()), {
    maxBytes: settings.maxBytes,
    onTooLarge: () => tooLarge(context.key.url, settings.maxBytes),
  });
  try {
    await context.deps.store.put(key, measured.stream);
  } catch (error) {
    await context.deps.store.delete(key).catch(() => undefined);
    throw error;
  }
  const { bytes, md5 } = measured.result();
  return { key, assetId, versionId, format, bytes, md5, dimensions: imageDimensions(format, header) };
}

/** The new version of the fetched asset: public_id the URL, named after its last path element. */
function fetchedAsset(key: FetchOriginKey, stored: StoredBody): AssetRecord {
  const name = displayNameOf(key.url);
  return {
    cloudName: key.cloudName,
    resourceType: 'image',
    type: 'fetch',
    publicId: key.url,
    assetId: stored.assetId,
    version: Math.floor(Date.now() / 1000),
    versionId: stored.versionId,
    format: stored.format,
    width: stored.dimensions?.width ?? null,
    height: stored.dimensions?.height ?? null,
    pages: null,
    bytes: stored.bytes,
    etag: stored.md5,
    contentType: contentTypeForFormat(stored.format),
    storageKey: stored.key,
    tags: [],
    context: {},
    metadata: {},
    assetFolder: '',
    displayName: name,
    originalFilename: name,
    accessMode: 'public',
    createdAt: new Date(),
  };
}

function displayNameOf(url: string): string {
  const parsed = URL.parse(url);
  const last = parsed?.pathname.split('/').findLast((element) => element !== '') ?? '';
  let name: string;
  try {
    name = decodeURIComponent(last);
  } catch {
    name = last;
  }
  name = name.replace(/\.[A-Za-z0-9]{1,5}$/, '').replaceAll('\0', '');
  return name === '' ? (parsed?.hostname ?? 'fetched') : name.slice(0, 255);
}

/**
 * A failure the remote server or the request caused, as answered (Cloudinary's texts where it has
 * one), and whether a stored copy may be served instead; undefined for our own failures.
 */
function classifyFailure(error: unknown, url: string): { error: ApiError; serveStale: boolean } | undefined {
  if (error instanceof ApiError) return { error, serveStale: false };
  if (!(error instanceof RemoteFetchError)) return undefined;
  countRemoteFetchFailure(error.code);
  switch (error.code) {
    case 'http_status': {
      const status = error.status ?? 0;
      if (status === 404 || status === 410)
        return { error: new ApiError(404, `Resource not found - ${shownUrl(url)}`, { cause: error }), serveStale: false };
      return { error: loadingError(url, error), serveStale: status >= 500 || status === 429 };
    }
    case 'timeout':
    case 'network':
      return { error: loadingError(url, error), serveStale: true };
    case 'too_large':
    case 'bad_url':
    case 'refused_address':
    case 'too_many_redirects':
      return { error: new ApiError(400, error.message, { cause: error }), serveStale: false };
  }
}

/** Upload's words for a remote source that failed (`Error in loading <url> - <reason>`), on delivery too. */
function loadingError(url: string, error: RemoteFetchError): ApiError {
  return new ApiError(400, `Error in loading ${shownUrl(url)} - ${error.reason}`, { cause: error });
}

function notAnImage(url: string, why: string): ApiError {
  return new ApiError(400, `Invalid image file - ${shownUrl(url)}: ${why}`);
}

function tooLarge(url: string, maxBytes: number): ApiError {
  return new ApiError(400, `File size too large - ${shownUrl(url)}: larger than ${maxBytes} bytes`);
}

function disallowedHost(host: string): ApiError {
  return new ApiError(401, `Fetching from ${host} is not allowed: it is not one of this cloud's allowed fetch domains`);
}

/** A URL as messages show it: without query and fragment (a presigned URL's credentials live there), bounded. */
function shownUrl(url: string): string {
  const parsed = URL.parse(url);
  const shown = parsed === null ? url : `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  return shown.length > 200 ? `${shown.slice(0, 199)}…` : shown;
}
