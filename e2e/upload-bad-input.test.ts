import { readFileSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findAsset } from '@rendition/catalog';
import { fixturePath } from '@rendition/testing';
import { jsonReply, type Json, type JsonReply as Reply } from './support/json-reply.ts';
import { basicAuthHeader } from './support/signed-form.ts';
import { storedKeys, unfinishedWrites } from './support/stored-blobs.ts';
import { startTestCluster, type TestCluster } from './support/test-cluster.ts';

// Bad input of every kind is refused with Cloudinary's status and JSON shape, and leaves nothing
// behind: no catalog row, no staged or stored file. Two clusters: `main` with the defaults (no
// private address reachable), `limited` with tiny size limits, a small pixel limit and 127.0.0.1
// allowed for remote sources so redirects out of it can be tested.

const PNG = readFileSync(fixturePath('images/embedgravitybird.png'));
const JPEG = readFileSync(fixturePath('images/2569067123_aca715a2ee_o.jpg'));
const GIANT_JPEG = readFileSync(fixturePath('images/giant-image.jpg'));
/** A valid 1x1 RGBA PNG, small enough for the limited cluster. */
const TINY_PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');

/** Deterministic noise: no magic number of any format at its start. */
function noise(length: number): Buffer {
  const bytes = Buffer.alloc(length);
  let state = 0x2545f491;
  for (let i = 0; i < length; i++) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    bytes[i] = state >>> 24;
  }
  bytes[0] = 0x7a; // 'z': not the first byte of any signature file-type knows
  return bytes;
}

interface CountingServer {
  origin: string;
  port: number;
  hits: string[];
  /** TCP connections accepted, requests or not: a refused address must not even get a connection. */
  connections: number;
  close(): Promise<void>;
}

/** A loopback HTTP server that records every connection and request it receives. */
async function startCountingServer(
  host: '127.0.0.1' | '::1',
  routes: (port: number) => Record<string, (response: import('node:http').ServerResponse) => void>,
): Promise<CountingServer> {
  const hits: string[] = [];
  let table: ReturnType<typeof routes> = {};
  const server: Server = createServer((request, response) => {
    hits.push(request.url ?? '');
    const route = table[request.url ?? ''];
    if (route) route(response);
    else response.writeHead(200, { 'content-type': 'image/png' }).end(PNG);
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  table = routes(port);
  const counting: CountingServer = {
    origin: host.includes(':') ? `http://[${host}]:${port}` : `http://${host}:${port}`,
    port,
    hits,
    connections: 0,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
  server.on('connection', () => {
    counting.connections++;
  });
  return counting;
}

let main: TestCluster;
let limited: TestCluster;
let v4: CountingServer;
let v6: CountingServer;

/** What each cluster should hold at the end: public_ids of the uploads that succeeded. */
const succeeded = new Map<TestCluster, string[]>();
/** public_ids of refused uploads, which must not exist anywhere. */
const refused = new Map<TestCluster, string[]>();

beforeAll(async () => {
  v6 = await startCountingServer('::1', () => ({}));
  v4 = await startCountingServer('127.0.0.1', () => ({
    '/tiny.png': (response) => response.writeHead(200, { 'content-type': 'image/png' }).end(TINY_PNG),
    '/bird.png': (response) => response.writeHead(200, { 'content-type': 'image/png' }).end(PNG),
    '/redirect-v6': (response) => response.writeHead(302, { location: `${v6.origin}/x` }).end(),
    '/redirect-private': (response) => response.writeHead(302, { location: 'http://10.0.0.1/x.png' }).end(),
    '/redirect-metadata': (response) => response.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end(),
    '/missing.png': (response) => response.writeHead(404, { 'content-type': 'text/plain' }).end('not here'),
  }));
  [main, limited] = await Promise.all([
    startTestCluster(),
    startTestCluster({ SSRF_ALLOW: '127.0.0.1/32', MAX_DATA_URI_BYTES: '1024', MAX_UPLOAD_BYTES: '4096', MAX_IMAGE_PIXELS: '100000' }),
  ]);
  for (const cluster of [main, limited]) {
    succeeded.set(cluster, []);
    refused.set(cluster, []);
  }
});

afterAll(async () => {
  await Promise.all([main?.stop(), limited?.stop()]);
  await Promise.all([v4?.close(), v6?.close()]);
});

type FilePart = { bytes: Buffer; name: string; type: string };

/** An upload with Basic auth: multipart when a file part is given, urlencoded otherwise. */
async function upload(cluster: TestCluster, fields: Record<string, string>, file?: FilePart, path = 'image/upload'): Promise<Reply> {
  let body: FormData | URLSearchParams;
  if (file) {
    const form = new FormData();
    for (const [name, value] of Object.entries(fields)) form.append(name, value);
    form.append('file', new Blob([file.bytes], { type: file.type }), file.name);
    body = form;
  } else {
    body = new URLSearchParams(fields);
  }
  return jsonReply(
    await fetch(`${cluster.baseUrl}/v1_1/demo/${path}`, {
      method: 'POST',
      headers: { authorization: basicAuthHeader(cluster.credentials) },
      body,
    }),
  );
}

function expectError(reply: Reply, status: number, message: string | RegExp): string {
  expect({ status: reply.status, body: reply.body }).toMatchObject({ status, body: { error: { message: expect.any(String) } } });
  expect(Object.keys(reply.body)).toEqual(['error']);
  expect(Object.keys(reply.body.error as Json)).toEqual(['message']);
  const text = (reply.body.error as { message: string }).message;
  if (typeof message === 'string') expect(text).toBe(message);
  else expect(text).toMatch(message);
  expect(reply.contentType).toMatch(/^application\/json/);
  return text;
}

/** An upload that must be refused; its public_id is remembered for the final leftovers check. */
async function expectRefused(
  cluster: TestCluster,
  publicId: string | undefined,
  fields: Record<string, string>,
  file: FilePart | undefined,
  status: number,
  message: string | RegExp,
  path?: string,
): Promise<string> {
  const reply = await upload(cluster, publicId === undefined ? fields : { public_id: publicId, ...fields }, file, path);
  if (publicId !== undefined) refused.get(cluster)?.push(publicId);
  return expectError(reply, status, message);
}

async function expectUploaded(cluster: TestCluster, publicId: string, fields: Record<string, string>, file?: FilePart): Promise<Json> {
  const reply = await upload(cluster, { public_id: publicId, ...fields }, file);
  expect({ status: reply.status, error: reply.body.error }).toEqual({ status: 200, error: undefined });
  expect(reply.body.public_id).toBe(publicId);
  succeeded.get(cluster)?.push(publicId);
  return reply.body;
}

const pngPart = (bytes = PNG): FilePart => ({ bytes, name: 'bird.png', type: 'image/png' });
const jpegPart = (bytes: Buffer): FilePart => ({ bytes, name: 'photo.jpg', type: 'image/jpeg' });

/** A GET with the path sent byte for byte: fetch() would resolve `..` and `%2e%2e` before sending. */
function rawGet(baseUrl: string, path: string): Promise<{ status: number; text: string; contentType: string | undefined }> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest({ host: hostname, port, path, method: 'GET' }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), contentType: response.headers['content-type'] }),
      );
      response.on('error', reject);
    });
    outgoing.on('error', reject);
    outgoing.end();
  });
}

describe('files that are not valid images', () => {
  it('refuses a JPEG cut in half', async () => {
    const half = JPEG.subarray(0, Math.floor(JPEG.length / 2));
    await expectRefused(main, 'bad/truncated', {}, jpegPart(half), 400, 'Invalid image file');
  });

  it('refuses noise sent as an image, multipart or data URI', async () => {
    await expectRefused(main, 'bad/noise', {}, { bytes: noise(4096), name: 'noise.png', type: 'image/png' }, 400, 'Invalid image file');
    await expectRefused(
      main,
      'bad/noise-uri',
      { file: `data:image/png;base64,${noise(512).toString('base64')}` },
      undefined,
      400,
      'Invalid image file',
    );
  });

  it('refuses an image over the pixel limit (20000x14000 against the default 100 million)', async () => {
    await expectRefused(main, 'bad/giant', {}, jpegPart(GIANT_JPEG), 400, 'Image of 20000x14000 pixels exceeds the limit of 100000000 pixels');
  });

  it('applies MAX_IMAGE_PIXELS', async () => {
    const before = v4.hits.length;
    await expectRefused(
      limited,
      'bad/over-pixel-limit',
      { file: `${v4.origin}/bird.png` },
      undefined,
      400,
      'Image of 576x384 pixels exceeds the limit of 100000 pixels',
    );
    expect(v4.hits.slice(before)).toEqual(['/bird.png']);
  });

  it('still takes a good image (the control)', async () => {
    const body = await expectUploaded(main, 'good/bird', {}, pngPart());
    expect(body).toMatchObject({ width: 576, height: 384, format: 'png', bytes: PNG.length });
    await expectUploaded(main, 'good/photo', {}, jpegPart(JPEG));
  });
});

describe('public_id rules', () => {
  const cases: Array<[label: string, publicId: string, message: string]> = [
    ['a?b', 'a?b', `Invalid public_id a?b: must not contain '?'`],
    ['../etc/passwd', '../etc/passwd', `Invalid public_id ../etc/passwd: path element '..' is not allowed`],
    ['a/../../b', 'a/../../b', `Invalid public_id a/../../b: path element '..' is not allowed`],
    ['/lead', '/lead', 'Invalid public_id /lead: must not begin or end with a space or /'],
    ['trail/', 'trail/', 'Invalid public_id trail/: must not begin or end with a space or /'],
    ['" space"', ' space', 'Invalid public_id  space: must not begin or end with a space or /'],
    ['256 characters', 'x'.repeat(256), `Invalid public_id ${'x'.repeat(255)}…: longer than 255 characters`],
    ['a//b', 'a//b', 'Invalid public_id a//b: contains an empty path element'],
    ['v123/x', 'v123/x', `Invalid public_id v123/x: path element 'v123' looks like a version component`],
  ];

  it.each(cases)('refuses %s', async (_label, publicId, message) => {
    const text = await expectRefused(main, publicId, {}, pngPart(), 400, message);
    expect(text).toContain('public_id');
  });

  it('reduces a use_filename file name that climbs out to its base name', async () => {
    const reply = await upload(
      main,
      { use_filename: 'true', unique_filename: 'false' },
      { bytes: TINY_PNG, name: '../../etc/passwd.png', type: 'image/png' },
    );
    expect({ status: reply.status, public_id: reply.body.public_id }).toEqual({ status: 200, public_id: 'passwd' });
    succeeded.get(main)?.push('passwd');
  });

  it('accepts 255 characters, the longest allowed', async () => {
    await expectUploaded(main, 'y'.repeat(255), {}, pngPart(TINY_PNG));
  });
});

describe('path traversal on delivery', () => {
  const paths = [
    '/demo/image/upload/..%2F..%2Fetc%2Fpasswd',
    '/demo/image/upload/%2e%2e/x.png',
    '/demo/image/upload/%2E%2E%2F%2E%2E%2Fpackage.json',
    '/demo/raw/upload/../../package.json',
    '/demo/raw/upload/v1/../../../../etc/passwd',
    '/demo/image/upload/good/../good/bird.png',
    '/demo/raw/upload/..%00/package.json',
    '/demo/image/upload/good%2F..%2F..%2F..%2Fpackage.json',
  ];

  it.each(paths)('answers %s with a JSON error and no file', async (path) => {
    const response = await rawGet(main.baseUrl, path);
    expect(response.status).toBe(400);
    expect(response.contentType).toMatch(/^application\/json/);
    const body = JSON.parse(response.text) as Json;
    expect(body).toEqual({ error: { message: expect.stringMatching(/^Invalid URL path .*: '\.', '\.\.' and empty path elements are not allowed$/) } });
    expect(response.text).not.toContain('root:');
    expect(response.text).not.toContain('"workspaces"');
  });

  it('still serves the asset those paths point around (the control)', async () => {
    const response = await rawGet(main.baseUrl, '/demo/image/upload/good/bird.png');
    expect(response.status).toBe(200);
    expect(response.contentType).toBe('image/png');
  });
});

describe('remote sources on private addresses (SSRF)', () => {
  it('refuses loopback, private and link-local literals before connecting', async () => {
    const before = v4.hits.length;
    const connections = [v4.connections, v6.connections];
    const cases: Array<[string, string, string]> = [
      ['ssrf/v4-loopback', `${v4.origin}/x.png`, '127.0.0.1'],
      ['ssrf/v6-loopback', `${v6.origin}/x`, '::1'],
      ['ssrf/private', 'http://10.0.0.1/x.png', '10.0.0.1'],
      ['ssrf/metadata', 'http://169.254.169.254/latest/meta-data/', '169.254.169.254'],
    ];
    for (const [publicId, url, address] of cases) {
      await expectRefused(main, publicId, { file: url }, undefined, 400, `Refused to fetch ${url}: address ${address} is not allowed`);
    }
    expect(v4.hits.slice(before)).toEqual([]);
    expect(v6.hits).toEqual([]);
    expect([v4.connections, v6.connections]).toEqual(connections);
  });

  it('refuses a name that resolves to loopback, at connect time', async () => {
    const before = v4.hits.length;
    const connections = [v4.connections, v6.connections];
    const url = `http://localhost:${v4.port}/x`;
    await expectRefused(
      main,
      'ssrf/localhost',
      { file: url },
      undefined,
      400,
      new RegExp(`^Error in loading ${url} - Refused to fetch ${url}: address (127\\.0\\.0\\.1|::1) is not allowed$`),
    );
    expect(v4.hits.slice(before)).toEqual([]);
    expect(v6.hits).toEqual([]);
    // The name is judged on its DNS answer, before a socket is opened to it.
    expect([v4.connections, v6.connections]).toEqual(connections);
  });

  it('fetches from an allow-listed address (the control)', async () => {
    const before = v4.hits.length;
    const body = await expectUploaded(limited, 'remote/tiny', { file: `${v4.origin}/tiny.png` });
    expect(body).toMatchObject({ width: 1, height: 1, format: 'png', bytes: TINY_PNG.length, original_filename: 'tiny' });
    expect(v4.hits.slice(before)).toEqual(['/tiny.png']);
  });

  it('refuses a redirect from an allowed address to a refused one, without contacting it', async () => {
    const cases: Array<[string, string, string, string]> = [
      ['ssrf/redirect-v6', '/redirect-v6', `${v6.origin}/x`, '::1'],
      ['ssrf/redirect-private', '/redirect-private', 'http://10.0.0.1/x.png', '10.0.0.1'],
      ['ssrf/redirect-metadata', '/redirect-metadata', 'http://169.254.169.254/latest/meta-data/', '169.254.169.254'],
    ];
    for (const [publicId, path, target, address] of cases) {
      const before = v4.hits.length;
      await expectRefused(
        limited,
        publicId,
        { file: `${v4.origin}${path}` },
        undefined,
        400,
        `Error in loading ${v4.origin}${path} - Refused to fetch ${target}: address ${address} is not allowed`,
      );
      // Refused for good on the first attempt: the redirect was asked for once, not retried.
      expect(v4.hits.slice(before)).toEqual([path]);
    }
    expect(v6.hits).toEqual([]);
    expect(v6.connections).toBe(0);
  });
});

describe('size limits', () => {
  it('refuses a data URI over MAX_DATA_URI_BYTES before decoding it', async () => {
    const uri = `data:image/png;base64,${Buffer.concat([TINY_PNG, Buffer.alloc(2048 - TINY_PNG.length)]).toString('base64')}`;
    await expectRefused(limited, 'big/data-uri', { file: uri }, undefined, 400, 'File size too large. Got 2048. Maximum is 1024.');
  });

  it('refuses a multipart file over MAX_UPLOAD_BYTES', async () => {
    await expectRefused(limited, 'big/multipart', {}, pngPart(), 400, 'File size too large. Maximum is 4096.');
  });

  it('takes files under the limits (the controls)', async () => {
    await expectUploaded(limited, 'small/data-uri', { file: `data:image/png;base64,${TINY_PNG.toString('base64')}` });
    await expectUploaded(limited, 'small/multipart', {}, pngPart(TINY_PNG));
  });
});

describe('malformed requests', () => {
  it('refuses an unsupported resource type', async () => {
    await expectRefused(
      main,
      'bad/document',
      {},
      pngPart(),
      400,
      'Invalid resource type document: expected image, video, raw or auto',
      'document/upload',
    );
  });

  it('answers an unknown action with a JSON 404', async () => {
    await expectRefused(main, 'bad/frobnicate', {}, pngPart(), 404, 'Not found - POST /v1_1/demo/image/frobnicate', 'image/frobnicate');
  });

  it('asks for the file when there is none', async () => {
    await expectRefused(main, 'bad/no-file', { tags: 'x' }, undefined, 400, 'Missing required parameter - file');
  });

  it('refuses sources it cannot read', async () => {
    await expectRefused(main, 'bad/ftp', { file: 'ftp://x' }, undefined, 400, 'Unsupported source URL: ftp://x');
    await expectRefused(main, 'bad/hello', { file: 'hello' }, undefined, 400, 'Unsupported source URL: hello');
    await expectRefused(
      main,
      'bad/s3',
      { file: 's3://nobody/key.png' },
      undefined,
      400,
      'Unsupported source URL: s3://nobody is not an allowed bucket',
    );
  });

  it('refuses a second file part', async () => {
    const form = new FormData();
    form.append('public_id', 'bad/two-files');
    form.append('file', new Blob([PNG], { type: 'image/png' }), 'one.png');
    form.append('file', new Blob([TINY_PNG], { type: 'image/png' }), 'two.png');
    const reply = await jsonReply(
      await fetch(`${main.baseUrl}/v1_1/demo/image/upload`, {
        method: 'POST',
        headers: { authorization: basicAuthHeader(main.credentials) },
        body: form,
      }),
    );
    refused.get(main)?.push('bad/two-files');
    expectError(reply, 400, 'Too many parts in the upload request');
  });

  it('refuses a file part under another name than file', async () => {
    const form = new FormData();
    form.append('public_id', 'bad/file-field');
    form.append('image', new Blob([PNG], { type: 'image/png' }), 'one.png');
    const reply = await jsonReply(
      await fetch(`${main.baseUrl}/v1_1/demo/image/upload`, {
        method: 'POST',
        headers: { authorization: basicAuthHeader(main.credentials) },
        body: form,
      }),
    );
    refused.get(main)?.push('bad/file-field');
    expectError(reply, 400, 'Unexpected file field image');
  });

  it('refuses an empty file', async () => {
    await expectRefused(main, 'bad/empty', {}, pngPart(Buffer.alloc(0)), 400, 'Empty file');
  });

  it('refuses a data URI that is not base64', async () => {
    await expectRefused(main, 'bad/not-base64', { file: 'data:image/png;base64,@@@@' }, undefined, 400, 'Invalid data URI: not base64');
  });

  it('refuses an unknown delivery type, in the path or as a parameter', async () => {
    await expectRefused(
      main,
      'bad/type-path',
      {},
      pngPart(),
      400,
      'Invalid type bogus: expected upload, private or authenticated',
      'image/bogus/upload',
    );
    await expectRefused(main, 'bad/type-param', { type: 'bogus' }, pngPart(), 400, 'Invalid type bogus: expected upload, private or authenticated');
  });

  it('refuses a folder or prefix that climbs out', async () => {
    await expectRefused(main, 'bad/folder', { folder: '../../etc' }, pngPart(), 400, `Invalid folder ../../etc: path element '..' is not allowed`);
    await expectRefused(
      main,
      'bad/prefix',
      { public_id_prefix: 'a/../..' },
      pngPart(),
      400,
      `Invalid public_id_prefix a/../..: path element '..' is not allowed`,
    );
  });

  it('reports a remote source that answers 404', async () => {
    await expectRefused(
      limited,
      'bad/remote-404',
      { file: `${v4.origin}/missing.png` },
      undefined,
      400,
      `Error in loading ${v4.origin}/missing.png - 404`,
    );
  });

  it('refuses a text body over its limit', async () => {
    // urlencoded bodies are bounded by what a maximal data URI needs (1024 bytes here) plus room for fields.
    await expectRefused(limited, 'bad/huge-body', { file: `data:image/png;base64,${'A'.repeat(200_000)}` }, undefined, 400, /^File size too large\./);
  });
});

describe('nothing half-written', () => {
  it.each([
    ['main', () => main],
    ['limited', () => limited],
  ])('%s: the catalog and the storage directory hold exactly the successful uploads', async (_name, get) => {
    const cluster = get();
    const db = cluster.cluster.services.db;
    for (const publicId of refused.get(cluster) ?? []) {
      for (const type of ['upload', 'private', 'authenticated']) {
        for (const resourceType of ['image', 'raw', 'video']) {
          expect(await findAsset(db, { cloudName: 'demo', resourceType, type, publicId })).toBeUndefined();
        }
      }
    }
    const rows = await db.selectFrom('assets').select(['public_id', 'storage_key', 'asset_id']).execute();
    expect(rows.map((row) => row.public_id).sort()).toEqual([...(succeeded.get(cluster) ?? [])].sort());
    const versions = await db.selectFrom('asset_versions').select(['storage_key']).execute();
    expect(versions.map((row) => row.storage_key).sort()).toEqual(rows.map((row) => row.storage_key).sort());
    expect(rows.length).toBeGreaterThan(0);

    // Only the stored originals: no staged upload, no temp file, no original of a refused upload.
    expect(await storedKeys(cluster.store)).toEqual(rows.map((row) => row.storage_key).sort());
    expect(await unfinishedWrites(cluster.storage)).toEqual([]);
  });
});
