import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBatchWithJobs } from '@rendition/catalog';
import { sweepStagedUploads } from '@rendition/ingest';
import { stagingKey } from '@rendition/storage';
import { hex32, newBatchId, startDomainTestServices, type DomainTestServices } from '@rendition/testing';

// The sweep of staged uploads nobody will read: old enough, and named by no unfinished ingest job.

let services: DomainTestServices;

beforeAll(async () => {
  services = await startDomainTestServices('staging-sweep');
});

afterAll(async () => {
  await services?.stop();
});

async function staged(): Promise<string> {
  const key = stagingKey(randomUUID());
  await services.store.put(key, Buffer.from('bytes'));
  return key;
}

/** An unfinished ingest job (queued, as if it waited for a worker) whose source is `key`. */
async function queuedIngest(key: string): Promise<string> {
  const jobId = randomUUID();
  const batchId = newBatchId();
  const payload = {
    v: 1,
    jobId,
    batchId,
    cloudName: 'demo',
    apiKey: services.credentials.apiKey,
    source: { kind: 'staged', key },
    newAssetId: hex32(),
  };
  await createBatchWithJobs(services.db, { batchId, cloudName: 'demo', apiKey: services.credentials.apiKey, kind: 'upload', notificationUrls: [] }, [
    { id: jobId, queue: 'ingest', kind: 'ingest', payload },
  ]);
  return jobId;
}

async function stagedKeys(): Promise<string[]> {
  const keys: string[] = [];
  for await (const blob of services.store.list('staging/')) keys.push(blob.key);
  return keys.sort();
}

describe('sweepStagedUploads', () => {
  it('keeps young staged uploads, and old ones an unfinished job needs; deletes the other old ones', async () => {
    const orphan = await staged();
    const waiting = await staged();
    await queuedIngest(waiting);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const young = await staged();
    const result = await sweepStagedUploads(services, { maxAgeMs: 800 });
    expect(result).toEqual({ removed: [orphan], kept: 2, deferred: false });
    expect(await stagedKeys()).toEqual([waiting, young].sort());

    // Once its job has finished, the waiting upload's bytes are no one's; the young one ages too.
    await services.db.updateTable('jobs').set({ finished_at: new Date(), status: 'completed' }).where('finished_at', 'is', null).execute();
    const again = await sweepStagedUploads(services, { maxAgeMs: 800, now: Date.now() + 3_600_000 });
    expect(again.removed.sort()).toEqual([waiting, young].sort());
    expect(await stagedKeys()).toEqual([]);
  });

  it('does nothing without staged uploads', async () => {
    expect(await sweepStagedUploads(services, { maxAgeMs: 1 })).toEqual({ removed: [], kept: 0, deferred: false });
  });
});
