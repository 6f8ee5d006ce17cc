import { describe, expect, it } from 'vitest';
import type { DeliveryPath } from '@rendition/protocol';
import { DeliveryCache, variantOf, type CachedAnswer } from '../src/delivery-cache.ts';

const PATH: DeliveryPath = { cloudName: 'demo', resourceType: 'image', type: 'upload', publicIdWithExt: 'a.png', signedPayload: 'a.png' };

function answer(assetId: string, storageKey = `assets/${assetId}/x`): CachedAnswer {
  return { assetId, accessControl: null, storageKey, bytes: 10, etag: '"e"', headers: { 'content-type': 'image/png' }, derivative: false };
}

function listening(options: { ttlMs?: number; maxEntries?: number } = {}): DeliveryCache {
  const cache = new DeliveryCache({ ttlMs: options.ttlMs ?? 60_000, maxEntries: options.maxEntries ?? 100 });
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

  it('keys answers by signature, token and the Accept class f_auto reads', () => {
    expect(variantOf(false, false, undefined)).toBe('u--');
    expect(variantOf(false, false, 'text/html,*/*')).toBe('u--');
    expect(variantOf(true, false, 'image/webp,*/*')).toBe('s-w');
    expect(variantOf(true, true, 'image/avif,image/webp,*/*')).toBe('sta');
  });
});
