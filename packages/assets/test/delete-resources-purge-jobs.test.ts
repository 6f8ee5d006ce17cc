import { describe, expect, it } from 'vitest';
import { PurgeJobV1Schema, type PurgeJobV1 } from '@rendition/jobs';
import { purgeJobsFor, type PurgeJob } from '@rendition/assets';

const hex = (n: number) => n.toString(16).padStart(32, '0');
const keysOf = (assetId: string, count: number) => Array.from({ length: count }, (_, index) => `assets/${assetId}/v/derived/${index}.jpg`);

/** Every job parses with the kind's schema (what enqueue and the worker check) and its entries, job after job. */
function entries(jobs: PurgeJob[]): PurgeJobV1['assets'] {
  for (const job of jobs) {
    expect(PurgeJobV1Schema.parse(job.payload)).toEqual(job.payload);
    expect(job).toMatchObject({ queue: 'purge', kind: 'purge', payload: { jobId: job.id, cloudName: 'demo' } });
  }
  return jobs.flatMap((job) => job.payload.assets);
}

describe('purgeJobsFor: a delete of any size as bounded purge jobs', () => {
  it('2,500 destroyed assets: at most 100 prefix sweeps per job, each asset swept once', () => {
    const removed = Array.from({ length: 2_500 }, (_, index) => ({ assetId: hex(index), storageKeys: keysOf(hex(index), 2), destroyed: true }));
    const jobs = purgeJobsFor('demo', removed);
    expect(jobs).toHaveLength(25);
    for (const job of jobs) expect(job.payload.assets.filter((asset) => asset.sweep)).toHaveLength(100);
    expect(entries(jobs).map((entry) => entry.assetId)).toEqual(removed.map((asset) => asset.assetId));
  });

  it('derivatives only: at most 1,000 keys per job, an asset with more spans jobs, never swept', () => {
    const jobs = purgeJobsFor('demo', [
      { assetId: hex(1), storageKeys: keysOf(hex(1), 2_300), destroyed: false },
      { assetId: hex(2), storageKeys: keysOf(hex(2), 800), destroyed: false },
    ]);
    expect(jobs.map((job) => job.payload.assets.map((asset) => [asset.assetId, asset.keys.length]))).toEqual([
      [[hex(1), 1_000]],
      [[hex(1), 1_000]],
      [
        [hex(1), 300],
        [hex(2), 700],
      ],
      [[hex(2), 100]],
    ]);
    expect(entries(jobs).some((entry) => entry.sweep)).toBe(false);
    expect(entries(jobs).flatMap((entry) => entry.keys)).toEqual([...keysOf(hex(1), 2_300), ...keysOf(hex(2), 800)]);
  });

  it("a destroyed asset's sweep rides with its last keys; an asset with nothing to purge makes no job", () => {
    const jobs = purgeJobsFor('demo', [
      { assetId: hex(3), storageKeys: keysOf(hex(3), 1_500), destroyed: true },
      { assetId: hex(4), storageKeys: [], destroyed: false },
      { assetId: hex(5), storageKeys: [], destroyed: true },
    ]);
    expect(entries(jobs).map((entry) => [entry.assetId, entry.keys.length, entry.sweep])).toEqual([
      [hex(3), 1_000, false],
      [hex(3), 500, true],
      [hex(5), 0, true],
    ]);
    expect(purgeJobsFor('demo', [{ assetId: hex(6), storageKeys: [], destroyed: false }])).toEqual([]);
  });
});
