import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findLargeUpload } from '@rendition/catalog';
import { ApiError } from '@rendition/protocol';
import { startDomainTestServices, type DomainTestServices } from '@rendition/testing';
import { receiveChunk, SMALL_PART_MESSAGE, stageFile, type ChunkOutcome, type ChunkPosition } from '../src/index.ts';

// receiveChunk on real PostgreSQL and a filesystem store: the minimum part size of a chunked upload
// (LARGE_UPLOAD_MIN_PART_BYTES), and what a refused part leaves behind (nothing).

const MIN = 64 * 1024;
let services: DomainTestServices;

beforeAll(async () => {
  services = await startDomainTestServices('large-upload');
});

afterAll(async () => {
  await services?.stop();
});

const deps = (minPartBytes = MIN) => ({ db: services.db, store: services.store, maxLargeUploadBytes: 1024 * 1024 * 1024, minPartBytes });

async function keysUnder(prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const info of services.store.list(prefix)) keys.push(info.key);
  return keys;
}

/** One part as the route hands it over: staged and measured, its place `bytes start-end/total`. */
async function send(uploadId: string, file: Buffer, start: number, end: number, total: number | '-1', minPartBytes = MIN): Promise<ChunkOutcome> {
  const chunk = await stageFile({ store: services.store }, Readable.from([file.subarray(start, end)]), 'file.bin');
  const position: ChunkPosition = {
    kind: 'range',
    start,
    end: end - 1,
    total: total === '-1' ? undefined : total,
    moreFollow: total === '-1',
    text: `bytes ${start}-${end - 1}/${total}`,
  };
  return receiveChunk(deps(minPartBytes), { cloudName: 'demo', uploadId, resourceType: 'raw', position, chunk });
}

async function refusal(promise: Promise<unknown>): Promise<ApiError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ApiError);
  return error as ApiError;
}

const md5 = (bytes: Buffer) => createHash('md5').update(bytes).digest('hex');

describe('receiveChunk and the minimum part size', () => {
  it('refuses a part sent as not the last (/-1) that is under the minimum, and keeps nothing of it', async () => {
    const file = randomBytes(3 * MIN);
    const id = `short-${randomBytes(4).toString('hex')}`;
    const error = await refusal(send(id, file, 0, MIN - 1, '-1'));
    expect([error.status, error.message]).toEqual([400, SMALL_PART_MESSAGE]);
    expect(await findLargeUpload(services.db, 'demo', id)).toBeUndefined();
    expect(await keysUnder('staging/')).toEqual([]);
    expect(await keysUnder('large-uploads/')).toEqual([]);
  });

  it('accepts a part of exactly the minimum', async () => {
    const file = randomBytes(MIN + 10);
    const id = `exact-${randomBytes(4).toString('hex')}`;
    expect(await send(id, file, 0, MIN, '-1')).toEqual({ done: false, bytes: MIN });
    const last = await send(id, file, MIN, file.length, file.length);
    expect(last.done).toBe(true);
    if (!last.done) return;
    expect(md5(await buffer(await services.store.get(last.staged.source.key)))).toBe(md5(file));
    await last.staged.discard();
  });

  it('leaves an upload as it was when one of its parts is refused: the range can be sent again, validly', async () => {
    const file = randomBytes(2 * MIN + 500);
    const id = `resume-${randomBytes(4).toString('hex')}`;
    expect(await send(id, file, 0, MIN, '-1')).toEqual({ done: false, bytes: MIN });
    const before = await findLargeUpload(services.db, 'demo', id);
    const error = await refusal(send(id, file, MIN, MIN + 1000, '-1'));
    expect(error.message).toBe(SMALL_PART_MESSAGE);
    const after = await findLargeUpload(services.db, 'demo', id);
    expect({ ...after, updatedAt: null }).toEqual({ ...before, updatedAt: null });
    expect(await keysUnder('staging/')).toEqual([]);
    // The rest of the file in one part, the last (with its total): the upload completes, byte for byte.
    const done = await send(id, file, MIN, file.length, file.length);
    expect(done).toMatchObject({ done: true, bytes: file.length });
    if (!done.done) return;
    expect((await buffer(await services.store.get(done.staged.source.key))).equals(file)).toBe(true);
    await done.staged.discard();
    expect(await findLargeUpload(services.db, 'demo', id)).toBeUndefined();
  });

  it('still takes a short part with no total at all (`bytes S-E`) as the last one', async () => {
    const file = randomBytes(1000);
    const id = `nototal-${randomBytes(4).toString('hex')}`;
    const chunk = await stageFile({ store: services.store }, Readable.from([file]), 'file.bin');
    const outcome = await receiveChunk(deps(), {
      cloudName: 'demo',
      uploadId: id,
      resourceType: 'raw',
      position: { kind: 'range', start: 0, end: 999, total: undefined, text: 'bytes 0-999/*' },
      chunk,
    });
    expect(outcome).toMatchObject({ done: true, bytes: 1000 });
    if (outcome.done) await outcome.staged.discard();
  });

  it('refuses a part that the minimum, changed since the upload began, would number out of order', async () => {
    const file = randomBytes(8 * MIN);
    const id = `renumbered-${randomBytes(4).toString('hex')}`;
    // Begun with a 2*MIN minimum: parts [0, 2*MIN) (number 1) and [6*MIN, 8*MIN) (number 4, the last).
    expect(await send(id, file, 0, 2 * MIN, '-1', 2 * MIN)).toMatchObject({ done: false });
    expect(await send(id, file, 6 * MIN, 8 * MIN, file.length, 2 * MIN)).toMatchObject({ done: false });
    // With MIN/2 the middle part would be number 5, after the last one: refused, never assembled out of order.
    const error = await refusal(send(id, file, 2 * MIN, 6 * MIN, '-1', MIN / 2));
    expect(error.status).toBe(400);
    expect(error.message).toMatch(/numbered under another minimum part size/);
    // Under the minimum it began with, the same part completes the file.
    const done = await send(id, file, 2 * MIN, 6 * MIN, '-1', 2 * MIN);
    expect(done.done).toBe(true);
    if (!done.done) return;
    expect((await buffer(await services.store.get(done.staged.source.key))).equals(file)).toBe(true);
    await done.staged.discard();
  });
});
