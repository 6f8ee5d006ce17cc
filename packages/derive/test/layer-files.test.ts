import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AssetRecord } from '@rendition/catalog';
import { createLayerFiles, type LayerFileDependencies } from '@rendition/derive';
import type { LayerAsset } from '@rendition/derivations';
import { createGuardedFetcher, type GuardedFetcher } from '@rendition/net';
import { ApiError } from '@rendition/protocol';
import type { AssetLayerSource, FetchLayerSource } from '@rendition/transform';

const LOGO: AssetLayerSource = { kind: 'asset', publicId: 'brand/logo', resourceType: 'image', deliveryType: 'upload', format: null };

let dir: string;
let server: Server;
let origin: string;
/** Requests the origin server received, by path. */
const hits = new Map<string, number>();
let loopback: GuardedFetcher;
let guarded: GuardedFetcher;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rendition-layer-files-'));
  server = createServer((request, response) => {
    const path = request.url ?? '/';
    hits.set(path, (hits.get(path) ?? 0) + 1);
    if (path === '/logo.png') return response.end('fetched-bytes');
    if (path === '/big.png') return response.end(Buffer.alloc(2_000));
    response.statusCode = path === '/down.png' ? 503 : 404;
    response.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  loopback = createGuardedFetcher({ allow: ['127.0.0.1/32'], timeoutMs: 2_000, maxBytes: 1_000_000, maxRedirects: 2 });
  guarded = createGuardedFetcher({ allow: [], timeoutMs: 2_000, maxBytes: 1_000_000, maxRedirects: 2 });
});

afterAll(async () => {
  await loopback?.close();
  await guarded?.close();
  await new Promise((resolve) => server?.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

/** A store whose every blob holds its key, counting the downloads. */
function countingStore() {
  const downloads: string[] = [];
  return {
    downloads,
    store: {
      async getFile(key: string, path: string) {
        downloads.push(key);
        await writeFile(path, `blob:${key}`);
        return { size: key.length + 5 };
      },
    },
  };
}

function layerAsset(source: AssetLayerSource, fields: Partial<AssetRecord> = {}): LayerAsset {
  return {
    source,
    asset: { storageKey: `originals/${source.publicId}`, bytes: 100, format: 'png', versionId: 'v'.repeat(32), ...fields } as AssetRecord,
  };
}

const policy = { budgetMs: 2_000, retries: 0, retryDelayMs: 10 };
const fetchSource = (path: string): FetchLayerSource => ({ kind: 'fetch', url: `${origin}${path}` });

async function refusal(promise: Promise<unknown>): Promise<ApiError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(ApiError);
  return error as ApiError;
}

describe('createLayerFiles', () => {
  it("downloads an asset layer's resolved original into the scratch directory, once however often it is asked for", async () => {
    const { store, downloads } = countingStore();
    const layers = createLayerFiles({ store, maxBytes: 1_000 }, dir, [layerAsset(LOGO)]);
    const [first, second] = await Promise.all([layers.fileFor(LOGO), layers.fileFor({ ...LOGO })]);
    expect(first).toBe(second);
    expect(first!.startsWith(dir)).toBe(true);
    expect(await readFile(first!, 'utf8')).toBe('blob:originals/brand/logo');
    expect(downloads).toEqual(['originals/brand/logo']);
    // Another delivery type is another asset.
    await expect(layers.fileFor({ ...LOGO, deliveryType: 'private' })).rejects.toThrow('was not resolved');
  });

  it('refuses an overlay asset above maxBytes without downloading it', async () => {
    const { store, downloads } = countingStore();
    const layers = createLayerFiles({ store, maxBytes: 99 }, dir, [layerAsset(LOGO)]);
    const error = await refusal(layers.fileFor(LOGO));
    expect([error.status, error.message]).toEqual([400, 'Overlay image brand/logo is too large to transform']);
    expect(downloads).toEqual([]);
  });

  it('renders page 1 of a PDF overlay at 72 dpi, and refuses one without a document engine', async () => {
    const { store } = countingStore();
    const pdf = layerAsset(LOGO, { format: 'pdf' });
    const rendered: Array<{ page: number; density: number }> = [];
    const documents: LayerFileDependencies['documents'] = {
      async renderPdfPage(_path, outputPath, options) {
        rendered.push(options);
        await writeFile(outputPath, 'png');
        return { width: 10, height: 10 };
      },
    };
    const path = await createLayerFiles({ store, maxBytes: 1_000, documents }, dir, [pdf]).fileFor(LOGO);
    expect(path.endsWith('.png')).toBe(true);
    expect(rendered).toEqual([{ page: 1, density: 72 }]);
    expect((await refusal(createLayerFiles({ store, maxBytes: 1_000 }, dir, [pdf]).fileFor(LOGO))).status).toBe(400);
  });

  it('fetches a fetch layer through the guarded fetcher, once per derivation', async () => {
    const layers = createLayerFiles({ store: countingStore().store, maxBytes: 1_000, remote: { fetcher: loopback, policy } }, dir, []);
    const source = fetchSource('/logo.png');
    const [first, second] = await Promise.all([layers.fileFor(source), layers.fileFor({ ...source })]);
    expect(first).toBe(second);
    expect(await readFile(first!, 'utf8')).toBe('fetched-bytes');
    expect(hits.get('/logo.png')).toBe(1);
  });

  it('refuses what the address policy refuses (loopback by default) with a 400, before connecting', async () => {
    const before = hits.get('/logo.png') ?? 0;
    const layers = createLayerFiles({ store: countingStore().store, maxBytes: 1_000, remote: { fetcher: guarded, policy } }, dir, []);
    const error = await refusal(layers.fileFor(fetchSource('/logo.png')));
    expect(error.status).toBe(400);
    expect(error.message).toMatch(/^Error in loading fetch layer - Refused to fetch/);
    expect(hits.get('/logo.png') ?? 0).toBe(before);
  });

  it('bounds the fetched size (400), and makes an origin that failed a retryable failure (502), not a refusal', async () => {
    const layers = createLayerFiles({ store: countingStore().store, maxBytes: 1_000, remote: { fetcher: loopback, policy } }, dir, []);
    const big = await refusal(layers.fileFor(fetchSource('/big.png')));
    expect([big.status, big.message]).toEqual([400, 'Fetch layer too large: at most 1000 bytes']);
    const down = await refusal(layers.fileFor(fetchSource('/down.png')));
    expect(down.status).toBe(502);
    expect(down.expose).toBe(true);
    expect((await refusal(layers.fileFor(fetchSource('/missing.png')))).status).toBe(502);
  });

  it('refuses fetch layers where no fetcher is configured', async () => {
    const layers = createLayerFiles({ store: countingStore().store, maxBytes: 1_000 }, dir, []);
    expect((await refusal(layers.fileFor(fetchSource('/logo.png')))).message).toBe('Fetch layers are not supported here');
  });
});
