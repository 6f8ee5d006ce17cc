import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll } from 'vitest';
import type { CatalogDb } from '@rendition/catalog';
import type { BlobStore } from '@rendition/storage';
import {
  fixturePath,
  startRedisServer,
  startWebhookReceiver,
  type ReceivedWebhook,
  type RedisServer,
  type RedisServerOptions,
  type WebhookReceiver,
} from '@rendition/testing';
import { basicAuthHeader } from './signed-form.ts';
import { storedKeys } from './stored-blobs.ts';
import { startTestCluster, type TestCluster } from './test-cluster.ts';
import { spawnWorker, workerEnvironment, type WorkerProcess } from './worker-process.ts';

const png = readFileSync(fixturePath('images/embedgravitybird.png'));

export interface SlowSource {
  /** Base URL; `${url}/<name>.png?delay=MS[&first=MS]` answers the PNG after MS (the first hit of a path after `first`). */
  url: string;
  /** Requests seen per path (without the query). */
  hits: Map<string, number>;
  /** Resolves once `path` has been requested `count` times. */
  waitForHit(path: string, count?: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * A remote source on loopback that takes its time, so ingest jobs stay in flight long enough to kill
 * or stop things under them. A client that goes away (a killed worker) just ends the request.
 */
export async function startSlowSource(body: Buffer = png): Promise<SlowSource> {
  const hits = new Map<string, number>();
  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://source');
    const count = (hits.get(url.pathname) ?? 0) + 1;
    hits.set(url.pathname, count);
    const first = url.searchParams.get('first');
    const delay = Number(count === 1 && first !== null ? first : (url.searchParams.get('delay') ?? 0));
    const timer = setTimeout(() => {
      if (!response.destroyed) response.writeHead(200, { 'content-type': 'image/png', 'content-length': body.length }).end(body);
    }, delay);
    response.once('close', () => clearTimeout(timer));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    hits,
    async waitForHit(path, count = 1, timeoutMs = 20_000) {
      await waitUntil(() => (hits.get(path) ?? 0) >= count, timeoutMs, `${count} request(s) for ${path}`);
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface UploadAnswer {
  status: number;
  contentType: string;
  body: Record<string, unknown> & { batch_id?: string; error?: { message: string } };
}

/** An async upload from a remote URL with a public_id of our choosing, so notifications map back to uploads. */
export async function asyncUpload(
  cluster: Pick<TestCluster, 'baseUrl' | 'cloud' | 'credentials'>,
  fields: { file: string; public_id: string; notification_url: string },
): Promise<UploadAnswer> {
  const form = new FormData();
  for (const [name, value] of Object.entries({ ...fields, async: 'true' })) form.append(name, value);
  const response = await fetch(`${cluster.baseUrl}/v1_1/${cluster.cloud}/image/upload`, {
    method: 'POST',
    headers: { authorization: basicAuthHeader(cluster.credentials) },
    body: form,
  });
  return { status: response.status, contentType: response.headers.get('content-type') ?? '', body: (await response.json()) as UploadAnswer['body'] };
}

/** Accepts `count` async uploads named `${prefix}-NN`, a few at a time; fails unless every one was accepted. */
export async function acceptUploads(
  cluster: Pick<TestCluster, 'baseUrl' | 'cloud' | 'credentials'>,
  options: { count: number; prefix: string; source: (index: number) => string; notificationUrl: string },
): Promise<Map<string, string>> {
  const batches = new Map<string, string>();
  const indexes = Array.from({ length: options.count }, (_, index) => index);
  for (let start = 0; start < indexes.length; start += 10) {
    await Promise.all(
      indexes.slice(start, start + 10).map(async (index) => {
        const publicId = `${options.prefix}-${String(index).padStart(2, '0')}`;
        const answer = await asyncUpload(cluster, { file: options.source(index), public_id: publicId, notification_url: options.notificationUrl });
        if (answer.status !== 200 || answer.body.status !== 'pending' || typeof answer.body.batch_id !== 'string') {
          throw new Error(`upload ${publicId} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
        }
        batches.set(publicId, answer.body.batch_id);
      }),
    );
  }
  return batches;
}

/** The key of every stored original (`assets/<asset>/<version>/original`), listed through the store. */
export async function storedOriginals(store: BlobStore): Promise<string[]> {
  return (await storedKeys(store, 'assets/')).filter((key) => key.split('/').at(-1) === 'original');
}

export interface NotificationTally {
  total: number;
  distinctIds: number;
  /** Deliveries of an id already seen: what a consumer must de-duplicate. */
  duplicates: number;
  publicIds: Set<string>;
}

export function tallyNotifications(webhooks: ReceivedWebhook[]): NotificationTally {
  const ids = new Set(webhooks.map((webhook) => String(webhook.headers['webhook-id'])));
  const publicIds = new Set(webhooks.map((webhook) => String((JSON.parse(webhook.body) as { public_id?: unknown }).public_id)));
  return { total: webhooks.length, distinctIds: ids.size, duplicates: webhooks.length - ids.size, publicIds };
}

/** Distinct webhook-ids received on `path` reach `count` (duplicates do not count towards it). */
export async function waitForDistinctNotifications(
  received: ReceivedWebhook[],
  path: string,
  count: number,
  timeoutMs: number,
): Promise<ReceivedWebhook[]> {
  const onPath = () => received.filter((webhook) => webhook.path === path);
  await waitUntil(
    () => new Set(onPath().map((webhook) => String(webhook.headers['webhook-id']))).size >= count,
    timeoutMs,
    () => {
      const got = new Set(onPath().map((webhook) => String(webhook.headers['webhook-id']))).size;
      return `${count} distinct notifications on ${path} (got ${got})`;
    },
  );
  return onPath();
}

export async function waitUntil(condition: () => boolean | Promise<boolean>, timeoutMs: number, what: string | (() => string)): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === 'string' ? what : what()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export interface ResilienceSuite {
  redis: RedisServer;
  receiver: WebhookReceiver;
  source: SlowSource;
  /** The API, in this process; workers run as child processes against the same database and storage. */
  cluster: TestCluster;
  startWorker(extra?: Record<string, string>): WorkerProcess;
  db(): CatalogDb;
  jobsOf(batchIds: string[]): Promise<Array<{ id: string; status: string; attempts: number; finished_at: Date | null; batch_id: string | null }>>;
  batchesOf(batchIds: string[]): Promise<Array<{ batch_id: string; status: string }>>;
  deliveriesOf(batchIds: string[]): Promise<Array<{ id: string; status: string; attempts: number }>>;
  /** The catalog rows of the uploads named `${prefix}-*`. */
  assetsNamed(prefix: string): Promise<{ assets: Array<{ asset_id: string; public_id: string; storage_key: string }>; versions: number }>;
  /** Stored originals (their keys, listed through the store) of the given assets. */
  filesOf(assetIds: string[]): Promise<string[]>;
}

export const SHUTDOWN_TIMEOUT_MS = 5_000;

/**
 * Registers the hooks of a resilience suite: a private Redis (these tests stop, kill and wipe it), a
 * webhook receiver, a slow source and the API in-process, with the relay and the webhook schedule
 * sped up. Worker processes started through the suite are killed when it ends.
 */
export function useResilienceSuite(options: { redis?: RedisServerOptions } = {}): ResilienceSuite {
  const workers: WorkerProcess[] = [];
  const suite = {} as ResilienceSuite;
  beforeAll(async () => {
    const [redis, receiver, source] = await Promise.all([startRedisServer(options.redis), startWebhookReceiver(), startSlowSource(png)]);
    Object.assign(suite, { redis, receiver, source });
    suite.cluster = await startTestCluster(
      {
        REDIS_URL: redis.url,
        SSRF_ALLOW: '127.0.0.1/32',
        RELAY_INTERVAL_MS: '1000',
        RELAY_GRACE_MS: '1000',
        WEBHOOK_SCHEDULE_SCALE: '0.001',
        SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
      },
      ['api'],
    );
  });
  afterAll(async () => {
    for (const worker of workers) worker.kill('SIGKILL');
    await Promise.all(workers.map((worker) => worker.exited));
    await suite.cluster?.stop();
    await Promise.all([suite.redis?.close(), suite.receiver?.close(), suite.source?.close()]);
  });

  const db = () => suite.cluster.cluster.services.db;
  const orNone = (ids: string[]) => (ids.length > 0 ? ids : ['']);
  return Object.assign(suite, {
    startWorker(extra: Record<string, string> = {}) {
      const worker = spawnWorker(workerEnvironment(suite.cluster, suite.redis.url, extra));
      workers.push(worker);
      return worker;
    },
    db,
    jobsOf: (batchIds: string[]) =>
      db().selectFrom('jobs').select(['id', 'status', 'attempts', 'finished_at', 'batch_id']).where('batch_id', 'in', orNone(batchIds)).execute(),
    batchesOf: (batchIds: string[]) => db().selectFrom('batches').select(['batch_id', 'status']).where('batch_id', 'in', orNone(batchIds)).execute(),
    deliveriesOf: (batchIds: string[]) =>
      db().selectFrom('webhook_deliveries').select(['id', 'status', 'attempts']).where('batch_id', 'in', orNone(batchIds)).execute(),
    async assetsNamed(prefix: string) {
      const assets = await db()
        .selectFrom('assets')
        .select(['asset_id', 'public_id', 'storage_key'])
        .where('public_id', 'like', `${prefix}-%`)
        .execute();
      const versions = await db()
        .selectFrom('asset_versions')
        .select('version_id')
        .where('asset_id', 'in', orNone(assets.map((asset) => asset.asset_id)))
        .execute();
      return { assets, versions: versions.length };
    },
    async filesOf(assetIds: string[]) {
      const files = await storedOriginals(suite.cluster.store);
      return files.filter((file) => assetIds.some((assetId) => file.startsWith(`assets/${assetId}/`))).sort();
    },
  });
}
