import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropDatabase } from '@rendition/catalog';
import { createTestDatabaseUrl, deleteRedisPrefix, fixturePath, freePort } from '@rendition/testing';

const MAIN = fileURLToPath(new URL('../apps/cli/bin/rendition.mjs', import.meta.url));

let env: Record<string, string>;
let dataDir: string;
let databaseUrl: string;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'rendition-cli-'));
  databaseUrl = createTestDatabaseUrl('cli');
  env = {
    ...(process.env as Record<string, string>),
    PORT: String(await freePort()),
    HOST: '127.0.0.1',
    DATABASE_URL: databaseUrl,
    QUEUE_PREFIX: `rendition-cli-${randomBytes(4).toString('hex')}`,
    STORAGE_URL: `file://${dataDir}`,
    LOG_LEVEL: 'warn',
    SHUTDOWN_TIMEOUT_MS: '5000',
  };
});

afterAll(async () => {
  await dropDatabase(databaseUrl);
  await rm(dataDir, { recursive: true, force: true });
  await deleteRedisPrefix(env.REDIS_URL ?? 'redis://127.0.0.1:6379', env.QUEUE_PREFIX ?? '');
});

function run(args: string[], extraEnv: Record<string, string> = {}): ChildProcess {
  return spawn(process.execPath, [MAIN, ...args], { env: { ...env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
}

function collect(child: ChildProcess): { stdout: () => string; stderr: () => string; exit: Promise<number | null> } {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { stdout: () => stdout, stderr: () => stderr, exit };
}

async function waitFor<T>(probe: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('rendition CLI', () => {
  it('start prints a working CLOUDINARY_URL, serves uploads, and exits cleanly on SIGTERM', async () => {
    const child = run(['start']);
    const output = collect(child);
    const line = await waitFor(
      () => /CLOUDINARY_URL=(cloudinary:\/\/(\d{15}):([\w-]{27})@demo\?upload_prefix=(\S+))/.exec(output.stdout()) ?? undefined,
      30_000,
      'the CLOUDINARY_URL line',
    );
    const [, , apiKey, apiSecret, uploadPrefix] = line;
    expect(uploadPrefix).toBe(`http://127.0.0.1:${env.PORT}`);
    expect(output.stdout()).toContain(`Rendition is running at http://127.0.0.1:${env.PORT}`);

    const form = new FormData();
    form.append('file', new Blob([await readFile(fixturePath('images/4.webp'))]), '4.webp');
    const upload = await fetch(`${uploadPrefix}/v1_1/demo/image/upload`, {
      method: 'POST',
      body: form,
      headers: { authorization: `Basic ${Buffer.from(`${apiKey}:${apiSecret}`).toString('base64')}` },
    });
    expect(upload.status).toBe(200);
    const body = (await upload.json()) as { width: number; height: number; format: string; secure_url: string };
    expect(body).toMatchObject({ width: 1024, height: 772, format: 'webp' });
    expect((await fetch(body.secure_url)).status).toBe(200);
    expect((await fetch(`${uploadPrefix}/readyz`)).status).toBe(200);

    const started = Date.now();
    child.kill('SIGTERM');
    expect(await output.exit).toBe(0);
    expect(Date.now() - started).toBeLessThan(10_000);
  }, 60_000);

  it('keys create prints a new CLOUDINARY_URL for the cloud each time', async () => {
    const first = collect(run(['keys', 'create', 'other']));
    expect(await first.exit).toBe(0);
    expect(first.stdout()).toMatch(/^CLOUDINARY_URL=cloudinary:\/\/\d{15}:[\w-]{27}@other\?upload_prefix=http:\/\/127\.0\.0\.1:\d+\n$/);
    const second = collect(run(['keys', 'create', 'other']));
    expect(await second.exit).toBe(0);
    expect(second.stdout()).not.toBe(first.stdout());
  }, 30_000);

  it('refuses to boot with a bad configuration and lists every bad variable', async () => {
    const bad = collect(run(['api'], { PORT: 'eighty', STORAGE_URL: 'ftp://nowhere', REDIS_URL: 'localhost' }));
    expect(await bad.exit).toBe(78);
    for (const name of ['PORT', 'STORAGE_URL', 'REDIS_URL']) expect(bad.stderr()).toContain(name);
  }, 30_000);

  it('answers an unknown command with usage and exit code 2', async () => {
    const unknown = collect(run(['frobnicate']));
    expect(await unknown.exit).toBe(2);
    expect(unknown.stderr()).toContain('Usage: rendition');
  });
});
