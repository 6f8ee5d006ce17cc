import { listenForDeliveryChanges, watchOwnWrites, type CatalogDb, type DeliveryChange, type OutcomeListener } from '@rendition/catalog';
import type { AccessControlEntry, DeliveryPath } from '@rendition/protocol';

/** Assets whose last notice is remembered individually (beyond, a notice counts as one about everything). */
const RECENT_CHANGES = 4_096;

export interface DeliveryCacheOptions {
  databaseUrl: string;
  /** How long an answer may be served without a change notice (a bound on any notice lost in transit). */
  ttlMs: number;
  /** URLs kept at most; the oldest go first. */
  maxEntries: number;
  /** Bytes of answers kept in memory at most, all URLs together (0: every hit reads storage). */
  maxBytes?: number;
  /** The largest answer whose bytes are kept in memory. */
  maxEntryBytes?: number;
  onError(error: unknown): void;
}

/** Everything a cached hit needs to answer without the catalog: the bytes' key and the answer's headers. */
export interface CachedAnswer {
  /** The asset the answer comes from: a change notice for it drops the answer. */
  assetId: string;
  /** Checked on every hit of an unsigned request: the asset's anonymous windows open and close with time. */
  accessControl: readonly AccessControlEntry[] | null;
  storageKey: string;
  bytes: number;
  /** The quoted ETag, as sent and as If-None-Match is compared with. */
  etag: string;
  /** Every header of a 200 but Content-Length (Range answers differ), built once. */
  headers: Readonly<Record<string, string>>;
  /** A derivative (counted as a hit of rendition_derivative_cache_total), not an original. */
  derivative: boolean;
  /** The bytes themselves, once a hit has read them and the cache had room (DeliveryCache.keepBytes). */
  data?: Buffer;
}

/** One URL path: its parse (pure, so it never goes stale) and its answers by request variant. */
export interface CachedUrl {
  path: DeliveryPath;
  answers: Map<string, CachedAnswer>;
  expiresAt: number;
}

/**
 * Resolved delivery URLs of this process (issue 17): a cached hit answers with no catalog statement.
 * Keyed by the request's URL path (its cloud included), then by what else the answer depends on (the
 * request's signature or token, its Accept class: see variantOf). Entries go when migration 0029's
 * triggers announce a change to their asset (overwrite, destroy, rename, access_control, moderation,
 * derivatives deleted…) or to named transformations and streaming profiles, from any process; after
 * ttlMs in any case; and all of them while the LISTEN connection is down, when nothing is served from
 * here. Only answers that no insert can change are kept (delivery-route.ts decides): a URL that named
 * its asset at the first try, without a default image, a fetch, an auto-upload or a folder reading.
 */
export class DeliveryCache {
  private readonly urls = new Map<string, CachedUrl>();
  /** The URL paths holding an answer of each asset, so a notice drops exactly those. */
  private readonly byAsset = new Map<string, Set<string>>();
  private listening = false;
  /** Counts notices; a resolution's token is its value when the resolution began. */
  private sequence = 0;
  /** The notice after which nothing resolved before may be stored (an `all`, a lost connection). */
  private allChangedAt = 0;
  /** The last notice of each recently changed asset: an answer of it resolved before is not stored. */
  private readonly assetChangedAt = new Map<string, number>();
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly maxBytes: number;
  private readonly maxEntryBytes: number;
  /** What the answers' `data` hold, all together. */
  private keptBytes = 0;

  constructor(options: Pick<DeliveryCacheOptions, 'ttlMs' | 'maxEntries' | 'maxBytes' | 'maxEntryBytes'>) {
    this.ttlMs = options.ttlMs;
    this.maxEntries = options.maxEntries;
    this.maxBytes = options.maxBytes ?? 0;
    this.maxEntryBytes = options.maxEntryBytes ?? 0;
  }

  lookup(urlPath: string): CachedUrl | undefined {
    if (!this.listening) return undefined;
    const found = this.urls.get(urlPath);
    if (found === undefined) return undefined;
    if (found.expiresAt > Date.now()) return found;
    this.forgetUrl(urlPath);
    return undefined;
  }

  /** Taken before resolving a URL and handed to remember: a notice about its asset in between makes remember a no-op. */
  token(): number {
    return this.sequence;
  }

  remember(urlPath: string, path: DeliveryPath, variant: string, answer: CachedAnswer, token: number): void {
    if (!this.listening || this.allChangedAt > token || (this.assetChangedAt.get(answer.assetId) ?? 0) > token) return;
    let url = this.urls.get(urlPath);
    if (url === undefined) {
      url = { path, answers: new Map(), expiresAt: Date.now() + this.ttlMs };
      this.urls.set(urlPath, url);
      if (this.urls.size > this.maxEntries) {
        const oldest = this.urls.keys().next().value;
        if (oldest !== undefined) this.forgetUrl(oldest);
      }
    }
    this.release(url.answers.get(variant));
    url.answers.set(variant, answer);
    let paths = this.byAsset.get(answer.assetId);
    if (paths === undefined) {
      paths = new Set();
      this.byAsset.set(answer.assetId, paths);
    }
    paths.add(urlPath);
  }

  /**
   * Whether a hit of `answer` should read its bytes whole and offer them to keepBytes: small enough,
   * and room for them. Cached answers are of stored objects, which are never rewritten in place (a new
   * version or derivative is a new key): the bytes stay right for as long as the answer does.
   */
  wantsBytes(answer: CachedAnswer): boolean {
    return answer.data === undefined && answer.bytes <= this.maxEntryBytes && this.keptBytes + answer.bytes <= this.maxBytes;
  }

  /** Keeps `data` with `answer` while the answer is still cached (a notice may have dropped it meanwhile) and there is room. */
  keepBytes(urlPath: string, answer: CachedAnswer, data: Buffer): void {
    if (data.length !== answer.bytes || !this.wantsBytes(answer)) return;
    const url = this.urls.get(urlPath);
    if (url === undefined || ![...url.answers.values()].includes(answer)) return;
    answer.data = data;
    this.keptBytes += data.length;
  }

  /** Bytes held in memory by the cached answers. */
  get bytesKept(): number {
    return this.keptBytes;
  }

  private release(answer: CachedAnswer | undefined): void {
    if (answer?.data === undefined) return;
    this.keptBytes -= answer.data.length;
    delete answer.data;
  }

  /** A cached answer whose bytes were gone (deleted before its notice arrived). */
  forgetUrl(urlPath: string): void {
    const url = this.urls.get(urlPath);
    if (url === undefined) return;
    this.urls.delete(urlPath);
    for (const answer of url.answers.values()) {
      this.release(answer);
      const paths = this.byAsset.get(answer.assetId);
      paths?.delete(urlPath);
      if (paths?.size === 0) this.byAsset.delete(answer.assetId);
    }
  }

  changed(change: DeliveryChange): void {
    this.sequence += 1;
    // Bounded: past the bound, every resolution under way is treated as overtaken.
    if (change.kind === 'all' || this.assetChangedAt.size >= RECENT_CHANGES) {
      this.allChangedAt = this.sequence;
      this.assetChangedAt.clear();
    }
    if (change.kind === 'all') {
      for (const url of this.urls.values()) for (const answer of url.answers.values()) this.release(answer);
      this.urls.clear();
      this.byAsset.clear();
      return;
    }
    this.assetChangedAt.delete(change.assetId);
    this.assetChangedAt.set(change.assetId, this.sequence);
    const paths = this.byAsset.get(change.assetId);
    if (paths === undefined) return;
    for (const urlPath of [...paths]) this.forgetUrl(urlPath);
    this.byAsset.delete(change.assetId);
  }

  setListening(listening: boolean): void {
    this.listening = listening;
    this.changed({ kind: 'all' });
  }

  get size(): number {
    return this.urls.size;
  }
}

export interface DeliveryCacheHandle {
  cache: DeliveryCache;
  close(): Promise<void>;
}

/**
 * The tables whose changes migration 0029 announces. This process's own committed updates and deletes
 * of them empty the cache at once (watchOwnWrites): their notice comes a moment later, and a request
 * that destroyed or overwrote an asset may read its URL right after. Inserts change no cached answer.
 */
const DELIVERY_TABLES = ['assets', 'derived', 'named_transformations', 'streaming_profiles'];

/** A DeliveryCache fed by its own LISTEN connection; it serves nothing until LISTEN has taken effect. */
export function startDeliveryCache(options: DeliveryCacheOptions & { db?: CatalogDb }): DeliveryCacheHandle {
  const cache = new DeliveryCache(options);
  const stopWatching = options.db
    ? watchOwnWrites(options.db, DELIVERY_TABLES, () => cache.changed({ kind: 'all' }), ['update', 'delete', 'truncate'])
    : () => {};
  const listener: OutcomeListener = listenForDeliveryChanges(options.databaseUrl, {
    onChange: (change) => cache.changed(change),
    onListening: () => cache.setListening(true),
    onLost: () => cache.setListening(false),
    onError: options.onError,
  });
  return {
    cache,
    async close() {
      stopWatching();
      cache.setListening(false);
      await listener.close();
    },
  };
}

/**
 * The part of a request, besides its URL path, that a cached answer depends on: whether a signature
 * or a token signed it (authenticated assets, access_control, a token's private caching), and which
 * of avif / webp / neither its Accept names (f_auto's choice; planDerivative reads nothing else of it).
 */
export function variantOf(signed: boolean, tokenSigned: boolean, accept: string | undefined): string {
  const acceptClass = accept === undefined ? '-' : accept.includes('image/avif') ? 'a' : accept.includes('image/webp') ? 'w' : '-';
  return `${signed ? 's' : 'u'}${tokenSigned ? 't' : '-'}${acceptClass}`;
}
