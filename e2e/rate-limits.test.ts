import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ensureCloudCredentials } from '@rendition/cli';
import { startRedisServer, type CloudinarySdk } from '@rendition/testing';
import { LAUNCHER, spawnApi, type ApiProcess } from './support/api-process.ts';
import { sdkRefusal } from './support/sdk-refusal.ts';
import { basicAuthHeader } from './support/signed-form.ts';
import { sdkFor, startTestCluster, type TestCluster } from './support/test-cluster.ts';

// The rate limits as the official Node SDK meets them (docs/operations.md "Rate limits"): a small
// Admin API limit through the environment, counted across two API processes that share Redis, the
// SDK's rate_limit_* fields from the X-FeatureRateLimit headers, and its 420 with Cloudinary's message.
// A cloud's own limit is set with `rendition rate-limits`.

const ADMIN_PER_HOUR = 6;

type Result = Record<string, unknown> & { rate_limit_allowed?: number; rate_limit_remaining?: number; rate_limit_reset_at?: Date };
interface AdminCalls {
  ping(): Promise<Result>;
  resources(options?: Record<string, unknown>): Promise<Result>;
}

let cluster: TestCluster;
let cloudinary: CloudinarySdk;
let api: AdminCalls;
let second: ApiProcess | undefined;

/** The windows are clock hours and minutes: a test that would straddle an edge waits for it to pass. */
async function awayFromWindowEdges(): Promise<void> {
  const toNextMinute = 60_000 - (Date.now() % 60_000);
  if (toNextMinute < 15_000) await new Promise((resolve) => setTimeout(resolve, toNextMinute + 500));
}

function nextHour(): Date {
  return new Date(Math.ceil((Date.now() + 1) / 3_600_000) * 3_600_000);
}

function cloudinaryTime(date: Date): string {
  return date.toISOString().slice(0, 19).replace('T', ' ');
}

beforeAll(async () => {
  cluster = await startTestCluster(
    {
      RATE_LIMITS_ENABLED: 'true',
      RATE_LIMIT_ADMIN_PER_HOUR: String(ADMIN_PER_HOUR),
      RATE_LIMIT_UPLOADS_PER_MINUTE: '1',
      RATE_LIMIT_UPLOAD_CONCURRENCY: '5',
    },
    ['api'],
  );
  cloudinary = sdkFor(cluster);
  api = cloudinary.api as unknown as AdminCalls;
});

afterAll(async () => {
  await second?.stop();
  await cluster?.stop();
});

async function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [LAUNCHER, ...args], {
    env: { ...(process.env as Record<string, string>), ...cluster.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { code, stdout, stderr };
}

describe('Admin API rate limit through the official SDK', () => {
  it('gives rate_limit_allowed, _remaining and _reset_at on every result, across two API processes, then a 420 the SDK surfaces', async () => {
    await awayFromWindowEdges();
    const reset = nextHour();
    const pinged = await api.ping();
    expect(pinged).toMatchObject({ status: 'ok', rate_limit_allowed: ADMIN_PER_HOUR, rate_limit_remaining: ADMIN_PER_HOUR - 1 });
    expect(pinged.rate_limit_reset_at).toEqual(reset);
    const listed = await api.resources({ max_results: 1 });
    expect(listed).toMatchObject({ rate_limit_allowed: ADMIN_PER_HOUR, rate_limit_remaining: ADMIN_PER_HOUR - 2 });

    // A second API process (another replica) on the same database and Redis counts into the same hour.
    second = await spawnApi(cluster.env);
    const answer = await fetch(`${second.baseUrl}/v1_1/${cluster.cloud}/ping`, { headers: { authorization: basicAuthHeader(cluster.credentials) } });
    expect(answer.status).toBe(200);
    expect({
      limit: answer.headers.get('x-featureratelimit-limit'),
      remaining: answer.headers.get('x-featureratelimit-remaining'),
      reset: answer.headers.get('x-featureratelimit-reset'),
    }).toEqual({ limit: String(ADMIN_PER_HOUR), remaining: String(ADMIN_PER_HOUR - 3), reset: reset.toUTCString() });

    for (let left = ADMIN_PER_HOUR - 4; left >= 0; left -= 1) expect((await api.ping()).rate_limit_remaining).toBe(left);

    const refused = await sdkRefusal(api.resources());
    expect(refused).toEqual({
      http_code: 420,
      message: `Rate Limit Exceeded. Limit of ${ADMIN_PER_HOUR} api operations reached. Try again on ${cloudinaryTime(reset)} UTC`,
    });
    const refusedThere = await fetch(`${second.baseUrl}/v1_1/${cluster.cloud}/ping`, {
      headers: { authorization: basicAuthHeader(cluster.credentials) },
    });
    expect(refusedThere.status).toBe(420);
    expect(refusedThere.headers.get('x-featureratelimit-remaining')).toBe('0');
  }, 60_000);

  it('is not applied to the Upload API, which has limits of its own: the SDK surfaces their 420 too', async () => {
    await awayFromWindowEdges();
    const accepted = await cloudinary.uploader.upload('data:image/gif;base64,R0lGODlhAQABAAAAACw=', { async: true, public_id: 'rate-one' });
    expect(accepted).toMatchObject({ status: 'pending' });
    const refused = await sdkRefusal(cloudinary.uploader.upload('data:image/gif;base64,R0lGODlhAQABAAAAACw=', { async: true, public_id: 'rate-two' }));
    expect(refused.http_code).toBe(420);
    expect(refused.message).toMatch(/^Rate Limit Exceeded\. Limit of 1 uploads per minute reached\. Try again on \d{4}-\d\d-\d\d \d\d:\d\d:00 UTC$/);
  }, 60_000);
});

describe('rendition rate-limits', () => {
  it("sets a cloud's own limits, which a starting API process applies", async () => {
    const acme = await ensureCloudCredentials(cluster.cluster.services.db, 'acme');
    const set = await runCli(['rate-limits', 'acme', 'set', '--admin-per-hour', '2', '--upload-concurrency', '0']);
    expect(set.stderr).toBe('');
    expect(set.code).toBe(0);
    expect(set.stdout.split('\n')).toEqual([
      'RATE_LIMIT_ADMIN_PER_HOUR=2 (cloud)',
      'RATE_LIMIT_UPLOADS_PER_MINUTE=1 (global)',
      'RATE_LIMIT_UPLOADS_PER_HOUR=30000 (global)',
      'RATE_LIMIT_UPLOAD_CONCURRENCY=0 (cloud, no limit)',
      '',
    ]);
    const bad = await runCli(['rate-limits', 'acme', 'set', '--admin-per-hour', 'many']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('Usage: rendition rate-limits');

    await second?.stop();
    second = await spawnApi(cluster.env);
    const ping = () => fetch(`${second?.baseUrl}/v1_1/acme/ping`, { headers: { authorization: basicAuthHeader(acme) } });
    await awayFromWindowEdges();
    const first = await ping();
    expect([first.status, first.headers.get('x-featureratelimit-limit'), first.headers.get('x-featureratelimit-remaining')]).toEqual([200, '2', '1']);
    expect((await ping()).status).toBe(200);
    expect((await ping()).status).toBe(420);

    const reverted = await runCli(['rate-limits', 'acme', 'set', '--admin-per-hour', 'default']);
    expect(reverted.stdout).toContain(`RATE_LIMIT_ADMIN_PER_HOUR=${ADMIN_PER_HOUR} (global)`);
  }, 90_000);
});

describe('a Redis that accepts connections but does not answer', () => {
  it('lets Admin calls through after RATE_LIMIT_TIMEOUT_MS, without the headers, logs it, and limits again once Redis answers', async () => {
    const redis = await startRedisServer();
    const hung = await startTestCluster({ RATE_LIMITS_ENABLED: 'true', REDIS_URL: redis.url, RATE_LIMIT_TIMEOUT_MS: '300' }, ['api']);
    try {
      const { logger } = hung.cluster.services;
      const warn = vi.spyOn(logger, 'warn');
      const info = vi.spyOn(logger, 'info');
      const ping = async () => {
        const started = performance.now();
        const answer = await fetch(`${hung.baseUrl}/v1_1/${hung.cloud}/ping`, { headers: { authorization: basicAuthHeader(hung.credentials) } });
        return { status: answer.status, limit: answer.headers.get('x-featureratelimit-limit'), ms: performance.now() - started };
      };
      expect(await ping()).toMatchObject({ status: 200, limit: '5000' });

      // Every client stalls until the pause ends (an UNPAUSE would stall too).
      const pausedUntil = Date.now() + 2_500;
      expect(await redis.command('CLIENT', 'PAUSE', '2500', 'ALL')).toBe('OK');
      const waited = await ping();
      expect(waited).toMatchObject({ status: 200, limit: null });
      expect(waited.ms).toBeGreaterThanOrEqual(250);
      expect(waited.ms).toBeLessThan(1_300);
      // For a second after a failure the API does not wait for Redis at all.
      const next = await ping();
      expect(next).toMatchObject({ status: 200, limit: null });
      expect(next.ms).toBeLessThan(250);
      expect(warn).toHaveBeenCalledWith(expect.anything(), expect.stringContaining('rate limits: Redis did not answer'));
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, pausedUntil - Date.now()) + 1_200));
      expect(await ping()).toMatchObject({ status: 200, limit: '5000' });
      expect(info).toHaveBeenCalledWith(expect.stringContaining('rate limits: Redis answers again'));
    } finally {
      await hung.stop();
      await redis.close();
    }
  }, 60_000);
});
