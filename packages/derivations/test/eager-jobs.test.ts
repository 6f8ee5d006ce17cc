import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { derivativeJobId, eagerDeriveJobs, eagerFormat, type EagerSpec } from '@rendition/derivations';
import { DeriveJobV1Schema } from '@rendition/jobs';

const hex = (bytes: number): string => randomBytes(bytes).toString('hex');

const asset = { cloudName: 'demo', assetId: hex(16), versionId: hex(16), format: 'png', resourceType: 'image' as const, width: 10 };
const batchId = hex(32);

const specs: EagerSpec[] = [
  { requested: 'w_100,h_50,c_fill', transformation: 'c_fill,h_50,w_100', format: null },
  { requested: 'w_50/webp', transformation: 'w_50', format: 'webp' },
  { requested: 'e_sepia/tiff', transformation: 'e_sepia', format: 'tiff' },
  { requested: 'f_avif,w_20', transformation: 'f_avif,w_20', format: 'avif' },
];

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('eagerDeriveJobs', () => {
  it('makes one derive job per item, knowing its place in the list, with a payload the derive schema accepts', () => {
    const jobs = eagerDeriveJobs(asset, specs, batchId);
    expect(jobs).toHaveLength(4);
    expect(new Set(jobs.map((job) => job.id)).size).toBe(4);
    for (const [index, job] of jobs.entries()) {
      expect(job.id).toMatch(UUID);
      expect({ queue: job.queue, kind: job.kind }).toEqual({ queue: 'derive', kind: 'derive' });
      expect(job.payload).toEqual({
        v: 1,
        cloudName: 'demo',
        assetId: asset.assetId,
        versionId: asset.versionId,
        transformation: specs[index]!.transformation,
        format: ['png', 'webp', 'jpg', 'avif'][index],
        eager: { jobId: job.id, batchId, index, requested: specs[index]!.requested },
      });
      // What the queue will accept (createJobQueues parses with the same schema), unchanged by parsing.
      expect(DeriveJobV1Schema.parse(job.payload)).toEqual(job.payload);
    }
  });

  it('makes new ids on every call (a retried explicit is a new batch)', () => {
    const first = eagerDeriveJobs(asset, specs, batchId).map((job) => job.id);
    const second = eagerDeriveJobs(asset, specs, batchId).map((job) => job.id);
    expect(first.filter((id) => second.includes(id))).toEqual([]);
  });

  it('skips item 0 with skipFirst, and the others keep their index', () => {
    const jobs = eagerDeriveJobs(asset, specs, batchId, { skipFirst: true });
    expect(jobs.map((job) => [job.payload.eager?.index, job.payload.eager?.requested])).toEqual([
      [1, 'w_50/webp'],
      [2, 'e_sepia/tiff'],
      [3, 'f_avif,w_20'],
    ]);
    expect(eagerDeriveJobs(asset, specs.slice(0, 1), batchId, { skipFirst: true })).toEqual([]);
    expect(eagerDeriveJobs(asset, [], batchId)).toEqual([]);
  });

  it("derives in the original's format when the item names none, and jpg when the original's is not an output format", () => {
    const plain = specs.slice(0, 1);
    expect(eagerDeriveJobs({ ...asset, format: 'gif' }, plain, batchId)[0]?.payload.format).toBe('gif');
    expect(eagerDeriveJobs({ ...asset, format: 'bmp' }, plain, batchId)[0]?.payload.format).toBe('jpg');
    expect(eagerDeriveJobs({ ...asset, format: null }, plain, batchId)[0]?.payload.format).toBe('jpg');
  });
});

describe('eagerFormat', () => {
  it.each<[string | null, string | null, string]>([
    [null, 'png', 'png'],
    [null, 'webp', 'webp'],
    [null, 'heic', 'jpg'],
    [null, null, 'jpg'],
    ['avif', 'png', 'avif'],
    ['gif', 'png', 'gif'],
    ['tiff', 'png', 'jpg'],
  ])('item format %s on a %s original → %s', (format, original, expected) => {
    expect(eagerFormat({ requested: 'x', transformation: 'x', format }, { format: original })).toBe(expected);
  });
});

/** RFC 4122 version 5 from a SHA-1 digest, written from the RFC (bytes, not hex slicing). */
function version5Shape(name: string): string {
  const bytes = createHash('sha1').update(name).digest().subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const text = bytes.toString('hex');
  return `${text.slice(0, 8)}-${text.slice(8, 12)}-${text.slice(12, 16)}-${text.slice(16, 20)}-${text.slice(20)}`;
}

describe('derivativeJobId', () => {
  const versionId = 'a'.repeat(32);
  const hash = 'b'.repeat(40);

  it('is a version-5 UUID (variant 10xx) made from the version, hash and format', () => {
    const id = derivativeJobId(versionId, hash, 'webp');
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(id).toBe(version5Shape(`derive:${versionId}:${hash}:webp`));
    // The derive schema's eager.jobId and the jobs table's uuid column take it.
    expect(z.uuid().parse(id)).toBe(id);
  });

  it('is deterministic, so concurrent first requests anywhere share one job', () => {
    expect(derivativeJobId(versionId, hash, 'jpg')).toBe(derivativeJobId(versionId, hash, 'jpg'));
  });

  it('differs when any part differs', () => {
    const ids = [
      derivativeJobId(versionId, hash, 'jpg'),
      derivativeJobId('c'.repeat(32), hash, 'jpg'),
      derivativeJobId(versionId, 'd'.repeat(40), 'jpg'),
      derivativeJobId(versionId, hash, 'png'),
    ];
    expect(new Set(ids).size).toBe(4);
  });

  it('keeps the variant bits for every digest (many inputs)', () => {
    for (let index = 0; index < 200; index += 1) {
      const id = derivativeJobId(hex(16), hex(20), 'jpg');
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    }
  });
});
