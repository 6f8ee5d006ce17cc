import { connect } from 'node:net';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCluster, type TestCluster } from './support/test-cluster.ts';

// A slow client (a chunk sent at 1 KB/s) holds only its own connection: the API streams it without a
// worker, others are served meanwhile, and it is cut off with a 408 once HTTP_REQUEST_TIMEOUT_MS passes.
const REQUEST_TIMEOUT_MS = 3_000;

let cluster: TestCluster;

beforeAll(async () => {
  cluster = await startTestCluster({ HTTP_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS), HTTP_IDLE_TIMEOUT_MS: '10000' });
}, 60_000);

afterAll(async () => {
  await cluster?.stop();
});

const basic = () => `Basic ${Buffer.from(`${cluster.credentials.apiKey}:${cluster.credentials.apiSecret}`).toString('base64')}`;

/** Sends a 5 MiB chunk's headers and then its body at about 1 KB/s; resolves with what the server answered. */
function slowChunk(): Promise<{ answer: string; elapsedMs: number }> {
  const url = new URL(cluster.baseUrl);
  const boundary = 'slowboundary';
  const head = `--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="slow.bin"\r\ncontent-type: application/octet-stream\r\n\r\n`;
  const size = 5 * 1024 * 1024;
  const total = Buffer.byteLength(head) + size + Buffer.byteLength(`\r\n--${boundary}--\r\n`);
  return new Promise((resolve) => {
    const started = Date.now();
    const socket = connect(Number(url.port), url.hostname);
    let answer = '';
    let timer: NodeJS.Timeout | undefined;
    const done = () => {
      clearInterval(timer);
      resolve({ answer, elapsedMs: Date.now() - started });
    };
    socket.on('data', (data) => (answer += data.toString()));
    socket.on('close', done);
    socket.on('error', () => {});
    socket.on('connect', () => {
      socket.write(
        `POST /v1_1/${cluster.cloud}/raw/upload HTTP/1.1\r\nhost: ${url.host}\r\nauthorization: ${basic()}\r\n` +
          `x-unique-upload-id: slow${randomBytes(4).toString('hex')}\r\ncontent-range: bytes 0-${size - 1}/${size * 2}\r\n` +
          `content-type: multipart/form-data; boundary=${boundary}\r\ncontent-length: ${total}\r\n\r\n${head}`,
      );
      timer = setInterval(() => socket.write(randomBytes(100)), 100);
    });
  });
}

describe('slow clients', () => {
  it('serves other uploads while one client sends at 1 KB/s, and cuts the slow one off with a 408 at HTTP_REQUEST_TIMEOUT_MS', async () => {
    const slow = slowChunk();
    await new Promise((resolve) => setTimeout(resolve, 500));
    const started = Date.now();
    const form = new FormData();
    form.append('file', new Blob([randomBytes(2048)]), 'quick.bin');
    const quick = await fetch(`${cluster.baseUrl}/v1_1/${cluster.cloud}/raw/upload`, {
      method: 'POST',
      body: form,
      headers: { authorization: basic() },
    });
    expect(quick.status).toBe(200);
    expect(((await quick.json()) as { bytes: number }).bytes).toBe(2048);
    expect(Date.now() - started).toBeLessThan(REQUEST_TIMEOUT_MS);

    const { answer, elapsedMs } = await slow;
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(answer).toContain('"error":{"message":"Invalid request: the request took too long to arrive"}');
    expect(elapsedMs).toBeGreaterThanOrEqual(REQUEST_TIMEOUT_MS - 100);
    expect(elapsedMs).toBeLessThan(REQUEST_TIMEOUT_MS + 3_000);
  }, 30_000);
});
