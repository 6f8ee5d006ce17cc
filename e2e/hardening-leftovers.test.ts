import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stagingKey } from '@rendition/storage';
import { fixturePath } from '@rendition/testing';
import { acceptUploads, useResilienceSuite, waitUntil } from './support/resilience-harness.ts';
import { basicAuthHeader } from './support/signed-form.ts';
import { storedKeys, unfinishedWrites } from './support/stored-blobs.ts';

// What a killed process leaves behind goes away: the scratch directory of a worker SIGKILLed in the
// middle of a job (swept by the next worker as soon as it starts, its owner being gone), and staged
// uploads no job will read (swept once older than STAGING_SWEEP_AGE_MS; one a queued job still
// needs is kept however old). Afterwards storage holds exactly the catalog's files and the workers'
// temp directory (a private TMPDIR here) is empty.

const PNG = readFileSync(fixturePath('images/embedgravitybird.png'));
const suite = useResilienceSuite();
let scratch: string;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'hardening-leftovers-tmp-'));
});

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

/** Worker settings: the private temp directory, and a sweep every half second. */
const workerEnv = (extra: Record<string, string> = {}) => ({ TMPDIR: scratch, SWEEP_INTERVAL_MS: '500', ...extra });

/** Every stored key, and every key the catalog names (originals of every version, derivatives). */
async function storageAndCatalog(): Promise<{ stored: string[]; catalog: string[] }> {
  const db = suite.db();
  const [versions, derived] = await Promise.all([
    db.selectFrom('asset_versions').select('storage_key').execute(),
    db.selectFrom('derived').select('storage_key').execute(),
  ]);
  const catalog = [...new Set([...versions, ...derived].map((row) => row.storage_key))].sort();
  return { stored: await storedKeys(suite.cluster.store), catalog };
}

async function asyncStagedUpload(publicId: string): Promise<string> {
  const form = new FormData();
  form.append('public_id', publicId);
  form.append('async', 'true');
  form.append('file', new Blob([PNG], { type: 'image/png' }), `${publicId}.png`);
  const response = await fetch(`${suite.cluster.baseUrl}/v1_1/${suite.cluster.cloud}/image/upload`, {
    method: 'POST',
    headers: { authorization: basicAuthHeader(suite.cluster.credentials) },
    body: form,
  });
  const body = (await response.json()) as { batch_id?: string };
  if (response.status !== 200 || !body.batch_id) throw new Error(`upload ${publicId} answered ${response.status}: ${JSON.stringify(body)}`);
  return body.batch_id;
}

describe('leftovers after crashes', () => {
  it('a staged upload nobody will read is swept once old enough; one a queued job needs is kept', async () => {
    const { cluster } = suite;
    // What an API process killed between staging and recording an upload leaves: bytes no job names.
    const orphan = stagingKey(randomUUID());
    await cluster.store.put(orphan, PNG);
    // An upload accepted while no worker takes ingest jobs: its staged bytes wait in the queue.
    const waitingBatch = await asyncStagedUpload('leftovers-waiting');
    const [waiting] = (await storedKeys(cluster.store, 'staging/')).filter((key) => key !== orphan);
    expect(waiting).toBeDefined();

    // A worker that sweeps (it serves notifications only, so the upload keeps waiting).
    const sweeper = suite.startWorker(workerEnv({ WORKER_QUEUES: 'notify', STAGING_SWEEP_AGE_MS: '1000' }));
    await sweeper.ready;
    await waitUntil(async () => !(await storedKeys(cluster.store, 'staging/')).includes(orphan), 10_000, 'the orphan to be swept');
    // Swept at least twice more since the waiting upload's bytes were old enough: still there.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(await storedKeys(cluster.store, 'staging/')).toEqual([waiting]);

    // The upload runs once an ingest worker comes; its job deletes its staged bytes.
    const ingester = suite.startWorker(workerEnv());
    await ingester.ready;
    await waitUntil(async () => (await suite.batchesOf([waitingBatch]))[0]?.status === 'complete', 20_000, 'the waiting upload to complete');
    expect(await storedKeys(cluster.store, 'staging/')).toEqual([]);
    for (const worker of [sweeper, ingester]) worker.kill('SIGTERM');
    expect(await Promise.all([sweeper.exited, ingester.exited])).toEqual([0, 0]);
  }, 60_000);

  it('a worker SIGKILLed in the middle of an ingest: once another has run the job, no file is left beyond the catalog', async () => {
    const { cluster, receiver, source } = suite;
    const path = '/leftovers-killed';
    const victim = suite.startWorker(workerEnv());
    await victim.ready;
    // The first request for each source hangs, so the jobs are in flight on the victim, each with its
    // scratch directory made; the retries on the rescuer are answered at once.
    const batches = await acceptUploads(cluster, {
      count: 3,
      prefix: 'leftovers-killed',
      source: (index) => `${source.url}/leftovers-killed-${index}.png?first=120000`,
      notificationUrl: `${receiver.url}${path}`,
    });
    await Promise.all([0, 1, 2].map((index) => source.waitForHit(`/leftovers-killed-${index}.png`)));
    const inFlight = await readdir(scratch);
    expect(inFlight).toHaveLength(3);

    victim.kill('SIGKILL');
    expect(await victim.exited).toBeNull();
    // The victim's scratch directories are still there: nobody ran its `finally`.
    expect((await readdir(scratch)).sort()).toEqual(inFlight.sort());

    const rescuer = suite.startWorker(workerEnv());
    await rescuer.ready;
    // Its first sweep, at start-up, finds their owner gone.
    await waitUntil(async () => (await readdir(scratch)).length === 0, 5_000, "the killed worker's scratch directories to be swept");

    await receiver.waitFor(3, { path, timeoutMs: 40_000 });
    const batchIds = [...batches.values()];
    await waitUntil(async () => (await suite.batchesOf(batchIds)).every((batch) => batch.status === 'complete'), 10_000, 'every batch to complete');
    expect((await suite.jobsOf(batchIds)).every((job) => job.status === 'completed' && job.attempts >= 2)).toBe(true);

    const { stored, catalog } = await storageAndCatalog();
    expect(stored).toEqual(catalog);
    expect(await storedKeys(cluster.store, 'staging/')).toEqual([]);
    expect(await unfinishedWrites(cluster.storage)).toEqual([]);
    expect(await readdir(scratch)).toEqual([]);

    rescuer.kill('SIGTERM');
    expect(await rescuer.exited).toBe(0);
  }, 90_000);
});
