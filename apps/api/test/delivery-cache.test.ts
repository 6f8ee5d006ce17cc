import { afterEach, describe, expect, it, vi } from 'vitest';
import type { DeliveryPath } from '@rendition/protocol';
import { DeliveryCache, variantOf, type CachedAnswer } from '../src/delivery-cache.ts';

const PATH: DeliveryPath = { cloudName: 'demo', resourceType: 'image', type: 'upload', publicIdWithExt: 'a.png', signedPayload: 'a.png' };

function answer(assetId: string, storageKey = `assets/${assetId}/x`, bytes = 10): CachedAnswer {
  return { assetId, accessControl: null, storageKey, bytes, etag: '"e"', headers: { 'content-type': 'image/png' }, derivative: false };
}

function listening(options: { ttlMs?: number; maxEntries?: number; maxBytes?: number; maxEntryBytes?: number } = {}): DeliveryCache {
  const cache = new DeliveryCache({
    ttlMs: options.ttlMs ?? 60_000,
    maxEntries: options.maxEntries ?? 100,
    maxBytes: options.maxBytes ?? 0,
    maxEntryBytes: options.maxEntryBytes ?? 0,
  });
  cache.setListening(true);
  return cache;
}

describe('DeliveryCache', () => {
  it('serves nothing, and keeps nothing, until its notices are heard', () => {
    const cache = new DeliveryCache({ ttlMs: 60_000, maxEntries: 10 });
    cache.remember('/demo/image/upload/a.png', PATH, 'u--', answer('a1'), cache.token());
    cache.setListening(true);
    expect(cache.lookup('/demo/image/upload/a.png')).toBeUndefined();
    cache.remember('/demo/image/upload/a.png', PATH, 'u--', answer('a1'), cache.token());
    expect(cache.lookup('/demo/image/upload/a.png')?.answers.get('u--')?.storageKey).toBe('assets/a1/x');
    // A lost connection: everything goes, and nothing is served until LISTEN is back.
    cache.setListening(false);
    expect(cache.lookup('/demo/image/upload/a.png')).toBeUndefined();
  });

  it("drops exactly the URLs of an asset a notice names, and everything on 'all'", () => {
    const cache = listening();
    cache.remember('/demo/image/upload/a.png', PATH, 'u--', answer('a1'), cache.token());
    cache.remember('/demo/image/upload/w_10/a.png', PATH, 'u--', answer('a1', 'derived/a1/w10'), cache.token());
    cache.remember('/demo/image/upload/b.png', PATH, 'u--', answer('b2'), cache.token());
    cache.changed({ kind: 'asset', assetId: 'a1' });
    expect(cache.lookup('/demo/image/upload/a.png')).toBeUndefined();
    expect(cache.lookup('/demo/image/upload/w_10/a.png')).toBeUndefined();
    expect(cache.lookup('/demo/image/upload/b.png')).toBeDefined();
    cache.changed({ kind: 'all' });
    expect(cache.lookup('/demo/image/upload/b.png')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('does not store an answer resolved before a notice about its asset', () => {
    const cache = listening();
    const token = cache.token();
    cache.changed({ kind: 'asset', assetId: 'other' });
    // Another asset's notice does not overtake this resolution…
    cache.remember('/demo/image/upload/a.png', PATH, 'u--', answer('a1'), token);
    expect(cache.lookup('/demo/image/upload/a.png')).toBeDefined();
    // …its own does.
    const late = cache.token();
    cache.changed({ kind: 'asset', assetId: 'b2' });
    cache.remember('/demo/image/upload/b.png', PATH, 'u--', answer('b2'), late);
    expect(cache.lookup('/demo/image/upload/b.png')).toBeUndefined();
    const afterAll = cache.token();
    cache.changed({ kind: 'all' });
    cache.remember('/demo/image/upload/c.png', PATH, 'u--', answer('c3'), afterAll);
    expect(cache.lookup('/demo/image/upload/c.png')).toBeUndefined();
  });

  it('keeps maxEntries URLs, the oldest going first, each for ttlMs at most', async () => {
    const cache = listening({ maxEntries: 2, ttlMs: 40 });
    for (const name of ['a', 'b', 'c']) cache.remember(`/demo/image/upload/${name}.png`, PATH, 'u--', answer(name), cache.token());
    expect(cache.lookup('/demo/image/upload/a.png')).toBeUndefined();
    expect(cache.lookup('/demo/image/upload/c.png')).toBeDefined();
    expect(cache.size).toBe(2);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(cache.lookup('/demo/image/upload/c.png')).toBeUndefined();
  });

  describe('edges', () => {
    afterEach(() => {
      vi.useRealTimers();
    });

    it('serves nothing before LISTEN has taken effect once', () => {
      const cache = new DeliveryCache({ ttlMs: 60_000, maxEntries: 10 });
      cache.remember('/demo/image/upload/a.png', PATH, 'u--', answer('a1'), cache.token());
      expect(cache.lookup('/demo/image/upload/a.png')).toBeUndefined();
      expect(cache.size).toBe(0);
    });

    it('expires an answer at ttlMs exactly', () => {
      vi.useFakeTimers({ now: 1_000_000 });
      const cache = listening({ ttlMs: 40 });
      cache.remember('/demo/image/upload/a.png', PATH, 'u--', answer('a1'), cache.token());
      vi.setSystemTime(1_000_039);
      expect(cache.lookup('/demo/image/upload/a.png')).toBeDefined();
      vi.setSystemTime(1_000_040);
      expect(cache.lookup('/demo/image/upload/a.png')).toBeUndefined();
      expect(cache.size).toBe(0);
    });

    it('stores an answer whose resolution began after the last notice about its asset', () => {
      const cache = listening();
      cache.changed({ kind: 'asset', assetId: 'a1' });
      cache.remember('/demo/image/upload/a.png', PATH, 'u--', answer('a1'), cache.token());
      expect(cache.lookup('/demo/image/upload/a.png')).toBeDefined();
    });

    it('does not store what began before LISTEN was lost and found again', () => {
      const cache = listening();
      const token = cache.token();
      cache.setListening(false);
      cache.setListening(true);
      cache.remember('/demo/image/upload/a.png', PATH, 'u--', answer('a1'), token);
      expect(cache.lookup('/demo/image/upload/a.png')).toBeUndefined();
    });

    it("still drops an asset's other URLs on its notice after one of them was forgotten", () => {
      const cache = listening();
      cache.remember('/demo/image/upload/a.png', PATH, 'u--', answer('a1'), cache.token());
      cache.remember('/demo/image/upload/w_10/a.png', PATH, 'u--', answer('a1', 'derived/a1/w10'), cache.token());
      cache.forgetUrl('/demo/image/upload/a.png');
      expect(cache.lookup('/demo/image/upload/w_10/a.png')).toBeDefined();
      cache.changed({ kind: 'asset', assetId: 'a1' });
      expect(cache.lookup('/demo/image/upload/w_10/a.png')).toBeUndefined();
    });

    it('forgets an unknown URL quietly', () => {
      const cache = listening();
      expect(() => cache.forgetUrl('/demo/image/upload/none.png')).not.toThrow();
    });

    it('treats the 4097th distinct notice since a resolution began as one about everything, then starts counting again', () => {
      const notices = (cache: DeliveryCache, count: number, prefix: string) => {
        for (let index = 0; index < count; index += 1) cache.changed({ kind: 'asset', assetId: `${prefix}${index}` });
      };
      const remembered = (cache: DeliveryCache, token: number) => {
        cache.remember('/demo/image/upload/x.png', PATH, 'u--', answer('x'), token);
        return cache.lookup('/demo/image/upload/x.png') !== undefined;
      };
      const within = listening();
      const early = within.token();
      notices(within, 4_096, 'other');
      expect(remembered(within, early)).toBe(true);

      const beyond = listening();
      const before = beyond.token();
      notices(beyond, 4_097, 'other');
      expect(remembered(beyond, before)).toBe(false);
      // The remembered notices started again: one more about another asset overtakes nothing.
      const after = beyond.token();
      beyond.changed({ kind: 'asset', assetId: 'another' });
      expect(remembered(beyond, after)).toBe(true);
    });
  });

  it('keys answers by signature, token and the Accept class f_auto reads', () => {
    expect(variantOf(false, false, undefined)).toBe('u--');
    expect(variantOf(false, false, 'text/html,*/*')).toBe('u--');
    expect(variantOf(true, false, 'image/webp,*/*')).toBe('s-w');
    expect(variantOf(true, true, 'image/avif,image/webp,*/*')).toBe('sta');
  });

  describe('bytes kept in memory', () => {
    /** Remembers `name`'s answer of `bytes` bytes and offers its bytes once; answers the cached answer. */
    function cached(cache: DeliveryCache, name: string, bytes: number, assetId = name): CachedAnswer {
      const urlPath = `/demo/image/upload/${name}.png`;
      const remembered = answer(assetId, `assets/${name}`, bytes);
      cache.remember(urlPath, PATH, 'u--', remembered, cache.token());
      if (cache.wantsBytes(remembered)) cache.keepBytes(urlPath, remembered, Buffer.alloc(bytes, name));
      return cache.lookup(urlPath)!.answers.get('u--')!;
    }

    it('keeps an answer small enough while there is room, and nothing past maxBytes', () => {
      const cache = listening({ maxBytes: 25, maxEntryBytes: 10 });
      expect(cached(cache, 'a', 10).data?.equals(Buffer.alloc(10, 'a'))).toBe(true);
      expect(cached(cache, 'b', 11).data).toBeUndefined(); // over maxEntryBytes
      expect(cached(cache, 'c', 10).data?.length).toBe(10);
      expect(cache.bytesKept).toBe(20);
      expect(cached(cache, 'd', 6).data).toBeUndefined(); // 26 > 25
      expect(cached(cache, 'e', 5).data?.length).toBe(5); // exactly 25
      expect(cache.bytesKept).toBe(25);
    });

    it('wants no more bytes for an answer that has them, even with room left', () => {
      const cache = listening({ maxBytes: 1_000, maxEntryBytes: 100 });
      const kept = cached(cache, 'a', 10);
      expect(kept.data?.length).toBe(10);
      expect(cache.wantsBytes(kept)).toBe(false);
      cache.keepBytes('/demo/image/upload/a.png', kept, Buffer.alloc(10, 'z'));
      expect(kept.data?.equals(Buffer.alloc(10, 'a'))).toBe(true);
      expect(cache.bytesKept).toBe(10);
    });

    it('keeps nothing with maxBytes 0, nor bytes of another length than the answer says', () => {
      expect(cached(listening({ maxBytes: 0, maxEntryBytes: 10 }), 'a', 1).data).toBeUndefined();
      const cache = listening({ maxBytes: 100, maxEntryBytes: 100 });
      const short = answer('s', 'assets/s', 10);
      cache.remember('/demo/image/upload/s.png', PATH, 'u--', short, cache.token());
      cache.keepBytes('/demo/image/upload/s.png', short, Buffer.alloc(9));
      expect(short.data).toBeUndefined();
      expect(cache.bytesKept).toBe(0);
    });

    it('keeps no bytes for an answer no longer cached (a notice came while they were read)', () => {
      const cache = listening({ maxBytes: 100, maxEntryBytes: 100 });
      const gone = answer('g', 'assets/g', 10);
      cache.remember('/demo/image/upload/g.png', PATH, 'u--', gone, cache.token());
      cache.changed({ kind: 'asset', assetId: 'g' });
      cache.keepBytes('/demo/image/upload/g.png', gone, Buffer.alloc(10));
      expect(gone.data).toBeUndefined();
      // Nor for an answer replaced by a newer one of the same URL.
      const first = answer('h', 'assets/h1', 10);
      cache.remember('/demo/image/upload/h.png', PATH, 'u--', first, cache.token());
      cache.remember('/demo/image/upload/h.png', PATH, 'u--', answer('h', 'assets/h2', 10), cache.token());
      cache.keepBytes('/demo/image/upload/h.png', first, Buffer.alloc(10));
      expect(first.data).toBeUndefined();
      expect(cache.bytesKept).toBe(0);
    });

    it('gives the room back when an answer goes: notice, replacement, eviction, expiry, all', async () => {
      const cache = listening({ maxBytes: 1_000, maxEntryBytes: 100, maxEntries: 3, ttlMs: 60_000 });
      cached(cache, 'a', 10);
      cached(cache, 'b', 20);
      expect(cache.bytesKept).toBe(30);
      cache.changed({ kind: 'asset', assetId: 'a' });
      expect(cache.bytesKept).toBe(20);
      // The same URL and variant answered anew: the old answer's bytes go with it.
      const replaced = cache.lookup('/demo/image/upload/b.png')!.answers.get('u--')!;
      cache.remember('/demo/image/upload/b.png', PATH, 'u--', answer('b', 'assets/b', 20), cache.token());
      expect(replaced.data).toBeUndefined();
      expect(cache.bytesKept).toBe(0);
      cached(cache, 'c', 30);
      cached(cache, 'd', 40);
      cached(cache, 'e', 50); // the fourth URL: b (without bytes) goes first
      expect(cache.bytesKept).toBe(120);
      cached(cache, 'f', 60); // then c
      expect(cache.lookup('/demo/image/upload/c.png')).toBeUndefined();
      expect(cache.bytesKept).toBe(150);
      cache.forgetUrl('/demo/image/upload/d.png');
      expect(cache.bytesKept).toBe(110);
      cache.changed({ kind: 'all' });
      expect(cache.bytesKept).toBe(0);

      const brief = listening({ maxBytes: 1_000, maxEntryBytes: 100, ttlMs: 30 });
      cached(brief, 'x', 10);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(brief.lookup('/demo/image/upload/x.png')).toBeUndefined();
      expect(brief.bytesKept).toBe(0);
    });
  });
});
