import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CloudinarySdk } from '@rendition/testing';
import { sdkFor, startTestCluster, type TestCluster } from './support/test-cluster.ts';

// The API's cache of resolved delivery URLs (apps/api/src/delivery-cache.ts): a URL is answered from
// memory once resolved, and a change made anywhere reaches every API server through the catalog's
// notices. Two API servers share one catalog and storage; the changes are made through the first,
// the second is asked. The TTL is far longer than any test, so only a notice can make an answer fresh.
const TTL_ENV = { DELIVERY_CACHE_TTL_MS: '600000' };
/** How long a change may take to reach the other server (a notice travels in milliseconds). */
const PROMPT_MS = 2_000;

type Resource = Record<string, unknown> & { public_id: string; version: number; derived: Array<{ transformation: string }> };
type Api = CloudinarySdk['api'] & {
  delete_resources(publicIds: string[], options?: Record<string, unknown>): Promise<unknown>;
  create_transformation(name: string, definition: Record<string, unknown>): Promise<unknown>;
  update_transformation(name: string, updates: Record<string, unknown>): Promise<unknown>;
  update(publicId: string, options: Record<string, unknown>): Promise<Record<string, unknown>>;
};

let owner: TestCluster;
let second: TestCluster;
let cloudinary: CloudinarySdk;
let api: Api;

beforeAll(async () => {
  owner = await startTestCluster(TTL_ENV);
  second = await startTestCluster(TTL_ENV, ['api'], { shareWith: owner });
  cloudinary = sdkFor(owner);
  api = cloudinary.api as Api;
}, 90_000);

afterAll(async () => {
  await second?.stop();
  await owner?.stop();
});

async function png(color: string, width = 24, height = 16): Promise<string> {
  const bytes = await sharp({ create: { width, height, channels: 3, background: color } })
    .png()
    .toBuffer();
  return `data:image/png;base64,${bytes.toString('base64')}`;
}

async function upload(publicId: string, color: string, options: Record<string, unknown> = {}): Promise<Resource> {
  return (await cloudinary.uploader.upload(await png(color), { public_id: publicId, ...options })) as Resource;
}

interface Answer {
  status: number;
  headers: Headers;
  body: Buffer;
}

async function get(on: TestCluster, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Answer> {
  const response = await fetch(`${on.baseUrl}${path}`, { method, headers });
  return { status: response.status, headers: response.headers, body: Buffer.from(await response.arrayBuffer()) };
}

/** The first pixel's colour and the image's size. */
async function pixel(body: Buffer): Promise<{ rgb: string; width: number | undefined }> {
  const { data, info } = await sharp(body).raw().toBuffer({ resolveWithObject: true });
  return { rgb: `${data[0]},${data[1]},${data[2]}`, width: info.width };
}

/** Asks until `ok` holds (at most PROMPT_MS), and answers how long that took; fails with the last answer otherwise. */
async function promptly(on: TestCluster, path: string, ok: (answer: Answer) => Promise<boolean> | boolean): Promise<number> {
  const start = Date.now();
  let last: Answer | undefined;
  while (Date.now() - start <= PROMPT_MS) {
    last = await get(on, path);
    if (await ok(last)) return Date.now() - start;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`${path} on ${on.baseUrl} still answered ${last?.status} ${last?.body.subarray(0, 120).toString('utf8')} after ${PROMPT_MS} ms`);
}

/** Asks each server twice: the second answer comes from its cache. */
async function warm(path: string, check: (answer: Answer) => Promise<void> | void): Promise<void> {
  for (const on of [owner, second]) {
    for (let round = 0; round < 2; round += 1) await check(await get(on, path));
  }
}

const RED = '255,0,0';
const BLUE = '0,0,255';

describe('delivery cache: answers stay right across API servers', () => {
  it('serves an overwrite at once at the unversioned URL, original and derivative', async () => {
    await upload('cache/overwrite', '#ff0000');
    const original = '/demo/image/upload/cache/overwrite.png';
    const derivative = '/demo/image/upload/w_12,c_scale/cache/overwrite.png';
    await warm(original, async (answer) => {
      expect(answer.status).toBe(200);
      expect(await pixel(answer.body)).toEqual({ rgb: RED, width: 24 });
    });
    await warm(derivative, async (answer) => {
      expect(answer.status).toBe(200);
      expect(await pixel(answer.body)).toEqual({ rgb: RED, width: 12 });
    });

    const replaced = await upload('cache/overwrite', '#0000ff', { overwrite: true });
    for (const on of [second, owner]) {
      await promptly(on, original, async (answer) => answer.status === 200 && (await pixel(answer.body)).rgb === BLUE);
      await promptly(on, derivative, async (answer) => answer.status === 200 && (await pixel(answer.body)).rgb === BLUE);
      const fresh = await get(on, derivative);
      expect(await pixel(fresh.body)).toEqual({ rgb: BLUE, width: 12 });
      // The new version's URL is immutable, the unversioned one is not.
      expect((await get(on, `/demo/image/upload/v${replaced.version}/cache/overwrite.png`)).headers.get('cache-control')).toBe(
        'public, max-age=31536000, immutable',
      );
      expect(fresh.headers.get('cache-control')).toBe('public, max-age=3600');
    }
  }, 60_000);

  it('answers 404 for a destroyed asset on every server', async () => {
    await upload('cache/destroyed', '#ff0000');
    const paths = ['/demo/image/upload/cache/destroyed.png', '/demo/image/upload/w_8,c_scale/cache/destroyed.png'];
    for (const path of paths) await warm(path, (answer) => expect(answer.status).toBe(200));

    expect(await cloudinary.uploader.destroy('cache/destroyed')).toEqual({ result: 'ok' });
    for (const on of [second, owner]) {
      for (const path of paths) {
        await promptly(on, path, (answer) => answer.status === 404);
        const gone = await get(on, path);
        expect(gone.status).toBe(404);
        expect(JSON.parse(gone.body.toString('utf8'))).toEqual({ error: { message: 'Resource not found - cache/destroyed.png' } });
      }
    }
  }, 60_000);

  it('derives a deleted derivative again instead of answering from memory', async () => {
    await upload('cache/derived', '#ff0000');
    const path = '/demo/image/upload/w_10,c_scale/cache/derived.png';
    await warm(path, async (answer) => expect(await pixel(answer.body)).toEqual({ rgb: RED, width: 10 }));
    expect(((await api.resource('cache/derived')) as Resource).derived.map((item) => item.transformation)).toEqual(['c_scale,w_10']);

    await api.delete_resources(['cache/derived'], { keep_original: true });
    expect(((await api.resource('cache/derived')) as Resource).derived).toEqual([]);
    // The second server finds the row gone and derives it again (the worker records a new row).
    await promptly(second, path, async (answer) => answer.status === 200 && (await pixel(answer.body)).width === 10);
    expect(((await api.resource('cache/derived')) as Resource).derived.map((item) => item.transformation)).toEqual(['c_scale,w_10']);
  }, 60_000);

  it('applies a named transformation changed since its URL was answered', async () => {
    await upload('cache/named', '#ff0000');
    await api.create_transformation('cache_named', { crop: 'scale', width: 10 });
    const path = '/demo/image/upload/t_cache_named/cache/named.png';
    await warm(path, async (answer) => expect((await pixel(answer.body)).width).toBe(10));

    await api.update_transformation('cache_named', { unsafe_update: { crop: 'scale', width: 20 } });
    for (const on of [second, owner]) await promptly(on, path, async (answer) => answer.status === 200 && (await pixel(answer.body)).width === 20);
  }, 60_000);

  it('stops serving an image moderation rejects, and one whose access_control window closed', async () => {
    await upload('cache/moderated', '#ff0000', { moderation: 'manual' });
    const moderated = '/demo/image/upload/cache/moderated.png';
    await warm(moderated, (answer) => expect(answer.status).toBe(200));
    await api.update('cache/moderated', { moderation_status: 'rejected' });
    for (const on of [second, owner]) await promptly(on, moderated, (answer) => answer.status === 404);

    await upload('cache/windowed', '#ff0000');
    // Stored to the second; a window counts until its end's second is over.
    const end = new Date(Math.ceil((Date.now() + 2_000) / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    await api.update('cache/windowed', { access_control: [{ access_type: 'anonymous', end }] });
    const windowed = '/demo/image/upload/w_6,c_scale/cache/windowed.png';
    for (const on of [second, owner]) await promptly(on, windowed, (answer) => answer.status === 200);
    await warm(windowed, (answer) => expect(answer.status).toBe(200));
    // Nothing is written when the window closes: each hit checks it again.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, Date.parse(end) - Date.now() + 1_100)));
    for (const on of [second, owner]) {
      const closed = await get(on, windowed);
      expect(closed.status).toBe(401);
      expect(JSON.parse(closed.body.toString('utf8'))).toEqual({
        error: { message: 'Resource cache/windowed.png is restricted by its access_control' },
      });
    }
  }, 60_000);

  it("answers a cached URL's bytes from memory, with no storage call, until a notice drops them", async () => {
    const uploaded = await upload('cache/bytes', '#0000ff');
    const path = '/demo/image/upload/w_12,c_scale/cache/bytes.png';
    await warm(path, async (answer) => expect(await pixel(answer.body)).toEqual({ rgb: BLUE, width: 12 }));
    const before = await get(second, path);
    const [row] = await owner.cluster.services.db
      .selectFrom('derived')
      .innerJoin('assets', 'assets.asset_id', 'derived.asset_id')
      .select('derived.storage_key')
      .where('assets.public_id', '=', 'cache/bytes')
      .execute();
    // The file goes behind the caches' backs (no statement, so no notice): both servers still answer
    // it whole, and its parts, from what they read on their first cached hit.
    await owner.store.delete(row!.storage_key);
    expect(await owner.store.head(row!.storage_key)).toBeNull();
    for (const on of [second, owner]) {
      const again = await get(on, path);
      expect(again.status).toBe(200);
      expect(again.body.equals(before.body)).toBe(true);
      const part = await get(on, path, { range: 'bytes=2-5' });
      expect(part.status).toBe(206);
      expect(part.body.equals(before.body.subarray(2, 6))).toBe(true);
    }
    // The derivative's deletion is announced: the URL and its bytes go, and the next request derives it again.
    await api.delete_resources(['cache/bytes'], { keep_original: true });
    await promptly(second, path, async (answer) => answer.status === 200 && (await pixel(answer.body)).width === 12);
    const [again] = await owner.cluster.services.db
      .selectFrom('derived')
      .select('storage_key')
      .where('asset_id', '=', uploaded.asset_id as string)
      .execute();
    expect(await owner.store.head(again!.storage_key)).not.toBeNull();
  }, 60_000);

  it('answers Range, If-None-Match, HEAD and f_auto from memory as it answers them from the catalog', async () => {
    await upload('cache/headers', '#00ff00');
    const path = '/demo/image/upload/w_16,c_scale/cache/headers.png';
    const whole = await get(second, path);
    expect(whole.status).toBe(200);
    const etag = whole.headers.get('etag')!;
    for (let round = 0; round < 2; round += 1) {
      const again = await get(second, path);
      expect(again.body.equals(whole.body)).toBe(true);
      for (const name of [
        'content-type',
        'etag',
        'cache-control',
        'last-modified',
        'content-security-policy',
        'x-content-type-options',
        'accept-ranges',
      ]) {
        expect(again.headers.get(name)).toBe(whole.headers.get(name));
      }
      const part = await get(second, path, { range: 'bytes=0-9' });
      expect(part.status).toBe(206);
      expect(part.headers.get('content-range')).toBe(`bytes 0-9/${whole.body.length}`);
      expect(part.body.equals(whole.body.subarray(0, 10))).toBe(true);
      const unsatisfiable = await get(second, path, { range: `bytes=${whole.body.length}-` });
      expect(unsatisfiable.status).toBe(416);
      expect((await get(second, path, { 'if-none-match': etag })).status).toBe(304);
      const head = await get(second, path, {}, 'HEAD');
      expect(head.status).toBe(200);
      expect(head.headers.get('content-length')).toBe(String(whole.body.length));
      expect(head.body.length).toBe(0);
    }

    // f_auto: each Accept gets its own format, however often and in whatever order they come.
    const auto = '/demo/image/upload/f_auto,w_16,c_scale/cache/headers.png';
    for (let round = 0; round < 2; round += 1) {
      for (const [accept, type] of [
        ['image/avif,image/webp,*/*', 'image/avif'],
        ['image/webp,*/*', 'image/webp'],
        ['*/*', 'image/png'],
      ] as const) {
        const answer = await get(second, auto, { accept });
        expect(answer.status).toBe(200);
        expect(answer.headers.get('content-type')).toBe(type);
        expect(answer.headers.get('vary')).toBe('Accept');
        expect(answer.headers.get('cache-control')).toBe('public, max-age=3600');
      }
    }
  }, 60_000);
});
