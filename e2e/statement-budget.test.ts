import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { DB_STATEMENT_BUCKETS, registry } from '@rendition/metrics';
import { startWebhookReceiver, type WebhookReceiver } from '@rendition/testing';
import { startTestCluster, type TestCluster } from './support/test-cluster.ts';

// The PostgreSQL statements an accepted async upload and its ingest may send (docs/performance.md,
// "Statement budgets"), BEGIN and COMMIT included, counted by the catalog's statement tally. A ratchet:
// lower it when a change sends fewer; the issue's aim for the ingest is 6.
const INTAKE_BUDGET = 3;
const INGEST_BUDGET = 2;
/** The histogram bucket at or above the ingest budget: each single run is held to it, the mean to the budget. */
const INGEST_BUCKET = 2;
const UPLOADS = 12;
const UPLOAD_ROUTE = '/v1_1/:cloud/:resourceType/upload';
/**
 * A first hit of a derivative: the request (its asset; the derivative missed and the job recorded with
 * what had its id, in one; the derivative read after the job's signal) and its derive job (the
 * derivative or else its asset version read in one statement; the derivative recorded with the job's end in one).
 */
const FIRST_HIT_BUDGET = 3;
const DERIVE_BUDGET = 2;
const FIRST_HITS = 6;
/** A derive slower than the wait's safety re-read (1 s: a loaded machine) adds a read of the derivative and the job. */
const FIRST_HIT_SLOW_DERIVE = 5;

let cluster: TestCluster;
let receiver: WebhookReceiver;
let png: Buffer;

beforeAll(async () => {
  cluster = await startTestCluster({ SSRF_ALLOW: '127.0.0.1/32' });
  receiver = await startWebhookReceiver();
  png = await sharp({ create: { width: 32, height: 24, channels: 3, background: '#3366aa' } })
    .png()
    .toBuffer();
}, 60_000);

afterAll(async () => {
  await receiver?.close();
  await cluster?.stop();
});

interface Observed {
  count: number;
  sum: number;
  /** How many observations were at most `le` statements. */
  atMost(le: number): number;
}

function bucketed(le: number): number {
  if (!(DB_STATEMENT_BUCKETS as readonly number[]).includes(le)) throw new Error(`${le} is no bucket of rendition_db_statements`);
  return le;
}

async function statements(unit: 'request' | 'job', name: string): Promise<Observed> {
  const metric = registry.getSingleMetric('rendition_db_statements');
  if (!metric) throw new Error('rendition_db_statements is not registered');
  const { values } = await metric.get();
  const mine = (values as Array<{ labels: Record<string, string | number>; value: number; metricName?: string }>).filter(
    (value) => value.labels.unit === unit && value.labels.name === name,
  );
  const pick = (suffix: string) => mine.find((value) => value.metricName === `rendition_db_statements${suffix}`)?.value ?? 0;
  return {
    count: pick('_count'),
    sum: pick('_sum'),
    atMost: (le) => mine.find((value) => value.metricName === 'rendition_db_statements_bucket' && value.labels.le === bucketed(le))?.value ?? 0,
  };
}

function basicAuth(): string {
  return `Basic ${Buffer.from(`${cluster.credentials.apiKey}:${cluster.credentials.apiSecret}`).toString('base64')}`;
}

async function asyncUpload(index: number, notificationUrl: string): Promise<void> {
  const form = new FormData();
  form.set('file', new Blob([new Uint8Array(png)], { type: 'image/png' }), 'tiny.png');
  form.set('async', 'true');
  form.set('public_id', `budget-${index}`);
  form.set('notification_url', notificationUrl);
  const response = await fetch(`${cluster.baseUrl}/v1_1/demo/image/upload`, { method: 'POST', headers: { authorization: basicAuth() }, body: form });
  expect(response.status).toBe(200);
  expect(await response.json()).toMatchObject({ status: 'pending' });
}

function delta(after: Observed, before: Observed) {
  return { count: after.count - before.count, sum: after.sum - before.sum, atMost: (le: number) => after.atMost(le) - before.atMost(le) };
}

describe('PostgreSQL statements per unit of work', () => {
  it('an accepted async upload and its ingest stay within their budgets', async () => {
    // Warm-up: the first notification makes the cloud's webhook secret (a settings write, which empties
    // the settings caches), the second upload fills them again; the budget is for a cached key.
    await asyncUpload(0, `${receiver.url}/warm`);
    await receiver.waitFor(1, { path: '/warm', timeoutMs: 20_000 });
    await asyncUpload(UPLOADS + 1, `${receiver.url}/warm`);
    await receiver.waitFor(2, { path: '/warm', timeoutMs: 20_000 });

    const intakeBefore = await statements('request', UPLOAD_ROUTE);
    const ingestBefore = await statements('job', 'ingest');
    for (let index = 1; index <= UPLOADS; index += 1) await asyncUpload(index, `${receiver.url}/measured`);
    await receiver.waitFor(UPLOADS, { path: '/measured', timeoutMs: 30_000 });
    const intake = delta(await statements('request', UPLOAD_ROUTE), intakeBefore);
    // The webhook may arrive before the last job's count (its handler returns once the webhook is under way).
    await expect.poll(async () => delta(await statements('job', 'ingest'), ingestBefore).count, { timeout: 5_000 }).toBe(UPLOADS);
    const ingest = delta(await statements('job', 'ingest'), ingestBefore);

    console.log(`intake: ${intake.sum / intake.count} statements per upload; ingest: ${ingest.sum / ingest.count} per job`);
    expect(intake.count).toBe(UPLOADS);
    expect(ingest.count).toBe(UPLOADS);
    // Every single observation within the budget, not only the mean.
    expect(intake.atMost(INTAKE_BUDGET)).toBe(UPLOADS);
    expect(ingest.atMost(INGEST_BUCKET)).toBe(UPLOADS);
    expect(ingest.sum).toBeLessThanOrEqual(INGEST_BUDGET * UPLOADS);
  }, 90_000);

  it('a cached delivery hit sends no statement', async () => {
    // The delivery route answers a URL it resolved before from its cache (apps/api/src/delivery-cache.ts):
    // the issue allows one statement per cached hit at most; with the cache the budget is none.
    const DELIVERY_ROUTE = '/:cloud/:resourceType/:type/*';
    const HIT_BUDGET = 0;
    const HITS = 20;
    const form = new FormData();
    form.set('file', new Blob([new Uint8Array(png)], { type: 'image/png' }), 'tiny.png');
    form.set('public_id', 'budget-delivered');
    const uploaded = await fetch(`${cluster.baseUrl}/v1_1/demo/image/upload`, { method: 'POST', headers: { authorization: basicAuth() }, body: form });
    expect(uploaded.status).toBe(200);
    const url = `${cluster.baseUrl}/demo/image/upload/w_16,c_scale/budget-delivered.png`;
    const hit = async () => {
      const response = await fetch(url);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('image/png');
      expect((await sharp(Buffer.from(await response.arrayBuffer())).metadata()).width).toBe(16);
    };

    // The first request derives; a change notice of the asset (its ingest's last writes) may still drop
    // the answer once, so the warm-up lasts until a hit is answered from the cache.
    let warm = false;
    for (let attempt = 0; attempt < 20 && !warm; attempt += 1) {
      const before = await statements('request', DELIVERY_ROUTE);
      await hit();
      warm = delta(await statements('request', DELIVERY_ROUTE), before).sum === 0;
    }
    expect(warm).toBe(true);

    const before = await statements('request', DELIVERY_ROUTE);
    for (let index = 0; index < HITS; index += 1) await hit();
    const hits = delta(await statements('request', DELIVERY_ROUTE), before);
    console.log(`cached delivery: ${hits.sum / hits.count} statements per hit`);
    expect(hits.count).toBe(HITS);
    expect(hits.atMost(1)).toBe(HITS);
    expect(hits.sum).toBeLessThanOrEqual(HIT_BUDGET * HITS);
  }, 60_000);

  it('a first delivery hit and its derive job stay within their budgets', async () => {
    const DELIVERY_ROUTE = '/:cloud/:resourceType/:type/*';
    const form = new FormData();
    form.set('file', new Blob([new Uint8Array(png)], { type: 'image/png' }), 'tiny.png');
    form.set('public_id', 'budget-first-hits');
    const uploaded = await fetch(`${cluster.baseUrl}/v1_1/demo/image/upload`, { method: 'POST', headers: { authorization: basicAuth() }, body: form });
    expect(uploaded.status).toBe(200);
    const requestBefore = await statements('request', DELIVERY_ROUTE);
    const jobBefore = await statements('job', 'derive');
    for (let width = 10; width < 10 + FIRST_HITS; width += 1) {
      const response = await fetch(`${cluster.baseUrl}/demo/image/upload/w_${width},c_scale/budget-first-hits.png`);
      expect(response.status).toBe(200);
      expect((await sharp(Buffer.from(await response.arrayBuffer())).metadata()).width).toBe(width);
    }
    const requests = delta(await statements('request', DELIVERY_ROUTE), requestBefore);
    await expect.poll(async () => delta(await statements('job', 'derive'), jobBefore).count, { timeout: 5_000 }).toBe(FIRST_HITS);
    const jobs = delta(await statements('job', 'derive'), jobBefore);
    console.log(`first delivery hit: ${requests.sum / requests.count} statements per request; derive job: ${jobs.sum / jobs.count} per job`);
    expect(requests.count).toBe(FIRST_HITS);
    expect(requests.atMost(bucketed(FIRST_HIT_BUDGET))).toBeGreaterThanOrEqual(FIRST_HITS - 1);
    expect(requests.atMost(bucketed(FIRST_HIT_SLOW_DERIVE))).toBe(FIRST_HITS);
    expect(jobs.atMost(bucketed(DERIVE_BUDGET))).toBe(FIRST_HITS);
  }, 60_000);
});
