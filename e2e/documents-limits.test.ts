import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixturePath, type CloudinarySdk } from '@rendition/testing';
import { sdkFor, startTestCluster, type TestCluster } from './support/test-cluster.ts';

// Documents, design: a PDF the engine refuses (too many pages, truncated, not a PDF) ends with a clear
// failure — a 400 for an image upload, `failed` in the info for a conversion — and the worker goes on
// converting the next document. DOCUMENT_MAX_PAGES is lowered so a fixture crosses it.

type Reply = Record<string, unknown> & { info?: { raw_convert?: Record<string, { status: string; error?: { message: string } }> } };

let cluster: TestCluster;
let cloudinary: CloudinarySdk;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rendition-documents-limits-'));
  cluster = await startTestCluster({ DOCUMENT_MAX_PAGES: '5', SYNC_UPLOAD_TIMEOUT_MS: '60000' });
  cloudinary = sdkFor(cluster);
}, 60_000);

afterAll(async () => {
  await cluster?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const upload = (file: string, options: Record<string, unknown>) => cloudinary.uploader.upload(file, options) as Promise<Reply>;

describe('documents the engine refuses', () => {
  it('refuses an image upload of a PDF over DOCUMENT_MAX_PAGES, and a truncated one, with 400s naming why', async () => {
    await expect(upload(fixturePath('documents/tracemonkey.pdf'), { public_id: 'too-long' })).rejects.toMatchObject({
      http_code: 400,
      message: 'The PDF document has 14 pages, more than the limit of 5',
    });
    const whole = readFileSync(fixturePath('documents/basicapi.pdf'));
    const truncated = join(dir, 'truncated.pdf');
    writeFileSync(truncated, whole.subarray(0, Math.floor(whole.length / 2)));
    await expect(upload(truncated, { public_id: 'truncated' })).rejects.toMatchObject({
      http_code: 400,
      message: 'The file is not a readable PDF document',
    });
    await expect(cloudinary.api.resource('too-long')).rejects.toMatchObject({ error: { http_code: 404 } });
  });

  it('fails the conversion, not the upload, of a raw PDF over the limit; the next document converts', async () => {
    const raw = await upload(fixturePath('documents/tracemonkey.pdf'), { resource_type: 'raw', public_id: 'long.pdf', raw_convert: 'extract_text' });
    expect(raw).toMatchObject({ public_id: 'long.pdf', resource_type: 'raw' });
    expect(raw.info?.raw_convert?.extract_text).toEqual({
      status: 'failed',
      error: { message: 'The PDF document has 14 pages, more than the limit of 5' },
    });

    const next = await upload(fixturePath('documents/basicapi.pdf'), { public_id: 'short', raw_convert: 'extract_text' });
    expect(next).toMatchObject({ pages: 3, info: { raw_convert: { extract_text: { status: 'complete' } } } });
  });
});
