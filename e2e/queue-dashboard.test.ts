import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue, UnrecoverableError, Worker } from 'bullmq';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJobQueues, QUEUE_NAMES, type JobQueues, type QueueName } from '@rendition/jobs';
import { fixturePath, until } from '@rendition/testing';
import { sdkFor, startTestCluster, type TestCluster } from './support/test-cluster.ts';

// The queue dashboard (bull-board at /admin/queues) in a real headless Chromium, against an API whose
// jobs no worker takes: the page asks for the operator's credentials, lists every queue with the
// counts Redis holds (BullMQ's getJobCounts read separately), offers no action while read-only, and
// is photographed into $TMPDIR.

const CHROMIUM = '/usr/bin/chromium';
const OPERATOR = { username: 'operator', password: `e2e-${randomBytes(12).toString('hex')}` };
const SCREENSHOT = join(tmpdir(), 'rendition-queue-dashboard.png');
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** The statuses bull-board shows as tabs, as BullMQ's getJobCounts names them. */
const STATUSES = ['active', 'waiting', 'waiting-children', 'prioritized', 'completed', 'failed', 'delayed'] as const;

/** The API only (no worker takes the jobs, so they stay as they are), read-only as by default. */
let cluster: TestCluster;
/** A second API on the same database and queue prefix, with QUEUE_DASHBOARD_READ_ONLY=false. */
let writable: TestCluster;
let producer: JobQueues;
/** Redis's own view of each queue under the cluster's prefix. */
let redis: Map<QueueName, Queue>;
let browser: Browser;
let operator: BrowserContext;
let page: Page;
const pageProblems: string[] = [];

const env = { ADMIN_USER: OPERATOR.username, ADMIN_PASSWORD: OPERATOR.password };

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM}: run scripts/setup.sh (it installs the Debian chromium package) or apt-get install chromium`,
    );
  }
  [cluster, browser] = await Promise.all([startTestCluster(env, ['api']), chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] })]);
  writable = await startTestCluster({ ...env, QUEUE_DASHBOARD_READ_ONLY: 'false' }, ['api'], { shareWith: cluster });
  const redisUrl = cluster.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  redis = new Map(QUEUE_NAMES.map((name) => [name, new Queue(name, { connection: { url: redisUrl }, prefix: cluster.queuePrefix })]));
  producer = createJobQueues({ redisUrl, prefix: cluster.queuePrefix });
  await until(() => producer.isConnected(), 5_000, 'the producer connection to Redis');

  // An asynchronous upload: the API itself queues its ingest job.
  const accepted = await sdkFor(cluster).uploader.upload(fixturePath('images/embedgravitybird.png'), { public_id: 'queued/bird', async: true });
  expect(accepted).toMatchObject({ status: 'pending' });
  // Jobs queued through the project's producer: waiting and delayed webhooks, and a purge that failed.
  for (let index = 0; index < 3; index += 1) await producer.enqueue('notify', { v: 1, deliveryId: `msg_waiting${index}` }, `notify-${index}`);
  await producer.enqueue('notify', { v: 1, deliveryId: 'msg_later' }, 'notify-later', { delayMs: 3_600_000 });
  const purge = (id: string) => ({
    v: 1 as const,
    jobId: randomUUID(),
    cloudName: cluster.cloud,
    assets: [{ assetId: id, keys: [`${id}/original`], sweep: false }],
  });
  await producer.enqueue('purge', purge('a1'), 'purge-failed');
  const failing = new Worker(
    'purge',
    async () => {
      throw new UnrecoverableError('the e2e test fails this job on purpose');
    },
    { connection: { url: redisUrl }, prefix: cluster.queuePrefix },
  );
  await until(async () => (await redis.get('purge')!.getJobCounts('failed')).failed === 1, 10_000, 'the purge job to fail');
  await failing.close();
  await producer.enqueue('purge', purge('a2'), 'purge-waiting');

  operator = await browser.newContext({ httpCredentials: OPERATOR, viewport: { width: 1280, height: 900 } });
  // Offline: bull-board's page links a web font from Google; nothing may leave the machine.
  await operator.route(
    (url) => url.origin !== new URL(cluster.baseUrl).origin && url.origin !== new URL(writable.baseUrl).origin,
    (route) => route.abort(),
  );
  page = await operator.newPage();
  page.on('pageerror', (error) => pageProblems.push(error.message));
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await Promise.all([...(redis?.values() ?? [])].map((queue) => queue.close()));
  await producer?.close();
  await writable?.stop();
  await cluster?.stop();
});

async function redisCounts(name: QueueName): Promise<Record<string, number>> {
  return redis.get(name)!.getJobCounts();
}

// bull-board's class names are CSS-module names, a readable prefix and a hash (`badge-megf05`): the
// selectors below match the prefix, and the links by their href.

/** The counts the queue's page shows on its status tabs (a tab without a badge: 0). */
async function shownCounts(name: QueueName): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const status of STATUSES) {
    const tab = page.locator(`a[href$="/queue/${name}?status=${status}"]`);
    const badge = tab.locator('[class*="badge"]');
    counts[status] = (await badge.count()) === 0 ? 0 : Number(await badge.innerText());
  }
  return counts;
}

describe('queue dashboard in Chromium', () => {
  it('asks for the operator credentials: none or wrong ones get a 401 Basic challenge', async () => {
    for (const options of [{}, { httpCredentials: { ...OPERATOR, password: `${OPERATOR.password}x` } }]) {
      const stranger = await browser.newContext(options);
      try {
        // Headless, Chromium shows the 401 or gives up on a challenge it cannot meet (ERR_INVALID_AUTH_CREDENTIALS).
        const visitor = await stranger.newPage();
        const shown = await visitor.goto(`${cluster.baseUrl}/admin/queues`).catch((error: Error) => error);
        if (shown instanceof Error) expect(shown.message).toMatch(/ERR_INVALID_AUTH_CREDENTIALS/);
        else expect(shown?.status()).toBe(401);
        expect(await visitor.locator('nav a[href*="/admin/queues/queue/"]').count()).toBe(0);
        // The answers themselves: a 401 with the challenge, and nothing of the dashboard.
        for (const path of ['/admin/queues', '/admin/queues/api/queues']) {
          const refused = await stranger.request.get(`${cluster.baseUrl}${path}`);
          expect(refused.status(), path).toBe(401);
          expect(refused.headers()['www-authenticate']).toBe('Basic realm="Rendition queue dashboard", charset="UTF-8"');
          expect(await refused.text()).not.toMatch(/bull|notify/i);
        }
      } finally {
        await stranger.close();
      }
    }
  });

  it('lists every queue, with the job counts Redis holds', async () => {
    const response = await page.goto(`${cluster.baseUrl}/admin/queues`);
    expect(response?.status()).toBe(200);
    const menu = page.locator('nav a[href*="/admin/queues/queue/"]');
    await menu.first().waitFor();
    expect(await menu.evaluateAll((links) => links.map((link) => link.getAttribute('title')))).toEqual([...QUEUE_NAMES]);

    // The overview: one card per queue with its total, which bull-board polls every few seconds.
    for (const name of QUEUE_NAMES) {
      const total = Object.values(await redisCounts(name)).reduce((sum, count) => sum + count, 0);
      const card = page.locator('[class*="queueCard"]').filter({ has: page.locator(`a[title="${name}"]`) });
      const shown = async () => Number(/^(\d+) Jobs?$/.exec(await card.locator('[class*="total"]').innerText())?.[1]);
      await expect.poll(shown, { timeout: 10_000 }).toBe(total);
    }
    const expected = { ingest: { waiting: 1 }, notify: { waiting: 3, delayed: 1 }, purge: { waiting: 1, failed: 1 } };
    for (const [name, counts] of Object.entries(expected)) expect(await redisCounts(name as QueueName)).toMatchObject(counts);

    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    const png = await readFile(SCREENSHOT);
    expect(png.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
    expect(png.length).toBeGreaterThan(10_000);
    console.info(`queue dashboard screenshot: ${SCREENSHOT}`);
  });

  it.each(QUEUE_NAMES.map((name) => [name]))("shows the counts of %s's jobs by status as Redis has them", async (name) => {
    await page.goto(`${cluster.baseUrl}/admin/queues/queue/${name}`);
    await page.locator(`a[href$="/queue/${name}?status=waiting"]`).waitFor();
    const fromRedis = await redisCounts(name);
    await expect.poll(() => shownCounts(name), { timeout: 10_000 }).toEqual(Object.fromEntries(STATUSES.map((status) => [status, fromRedis[status]])));
  });

  it('offers no action while read-only, and refuses one sent anyway', async () => {
    // Read-write (the second API): the failed purge has its retry, clean and edit buttons.
    const actions = (base: string) => page.goto(`${base}/admin/queues/queue/purge?status=failed`);
    const bulkButtons = () => page.getByRole('button', { name: /^(retry all|clean all)$/i });
    const jobButtons = () => page.locator('[class*="headerActions"] button');
    await actions(writable.baseUrl);
    await expect.poll(() => bulkButtons().count(), { timeout: 10_000 }).toBe(2);
    expect(await jobButtons().count()).toBeGreaterThan(0);

    await actions(cluster.baseUrl);
    await page.locator('[class*="jobId"]', { hasText: 'purge-failed' }).waitFor();
    expect(await bulkButtons().count()).toBe(0);
    expect(await jobButtons().count()).toBe(0);

    // What the buttons would send, with the operator's credentials: refused, and nothing changed.
    for (const url of [
      '/admin/queues/api/queues/purge/retry/failed',
      '/admin/queues/api/queues/notify/pause',
      '/admin/queues/api/queues/purge/clean/failed',
    ]) {
      const refused = await operator.request.put(`${cluster.baseUrl}${url}`);
      expect(refused.status(), url).toBe(405);
    }
    expect(await redisCounts('purge')).toMatchObject({ failed: 1, waiting: 1 });
    expect(await redis.get('notify')!.isPaused()).toBe(false);
  });

  it('lets the operator retry the failed job from the page with QUEUE_DASHBOARD_READ_ONLY=false', async () => {
    await page.goto(`${writable.baseUrl}/admin/queues/queue/purge?status=failed`);
    await page.getByRole('button', { name: /^retry all$/i }).click();
    const [answer] = await Promise.all([
      page.waitForResponse((response) => response.request().method() === 'PUT' && response.url().endsWith('/api/queues/purge/retry/failed')),
      page.getByRole('button', { name: /^confirm$/i }).click(),
    ]);
    expect(answer.status()).toBe(200);
    await expect.poll(() => redisCounts('purge')).toMatchObject({ failed: 0, waiting: 2 });
    expect(pageProblems).toEqual([]);
  });
});
