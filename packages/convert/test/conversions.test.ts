import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { AssetRecord } from '@rendition/catalog';
import type { ConvertJobV1 } from '@rendition/jobs';
import type { DocumentEngine } from '@rendition/media';
import { ConversionRefused, runConversion } from '../src/conversions.ts';

const dir = mkdtempSync(join(tmpdir(), 'rendition-convert-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const extracted: string[] = [];
const documents: DocumentEngine = {
  probePdf: () => Promise.reject(new Error('not used')),
  extractText: (path) => {
    extracted.push(path);
    return Promise.resolve([
      { page: 1, text: 'first' },
      { page: 2, text: '' },
    ]);
  },
  renderPdfPage: () => Promise.reject(new Error('not used')),
  close: () => Promise.resolve(),
};
const context = { documents, officeTimeoutMs: 1_000 };

function asset(changes: Partial<AssetRecord>): AssetRecord {
  return { publicId: 'folder/doc', resourceType: 'image', format: 'pdf', assetFolder: '', ...changes } as AssetRecord;
}

const job = (conversion: ConvertJobV1['conversion']): ConvertJobV1 => ({
  v: 1,
  jobId: '00000000-0000-4000-8000-000000000000',
  batchId: 'b'.repeat(64),
  cloudName: 'demo',
  apiKey: 'key',
  assetId: 'a'.repeat(32),
  versionId: 'c'.repeat(32),
  conversion,
});

function file(name: string, content: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

describe('runConversion', () => {
  it('extract_text writes the pages as JSON for the raw asset <public_id>.extract_text.json', async () => {
    const pdf = file('doc.pdf', '%PDF-1.4\n% the engine is a stand-in\n');
    const output = await runConversion(context, job('extract_text'), asset({}), pdf, dir);
    expect(output).toEqual({ path: join(dir, 'extract_text.json'), resourceType: 'raw', publicId: 'folder/doc.extract_text.json' });
    expect(JSON.parse(readFileSync(output.path, 'utf8'))).toEqual([
      { page: 1, text: 'first' },
      { page: 2, text: '' },
    ]);
    expect(extracted).toEqual([pdf]);
  });

  it('extract_text looks at the bytes: a PDF uploaded as raw is converted, an image named .pdf is refused', async () => {
    const rawPdf = file('raw.bin', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('%PDF-1.7\n')]));
    await expect(
      runConversion(context, job('extract_text'), asset({ resourceType: 'raw', format: null, publicId: 'r.pdf' }), rawPdf, dir),
    ).resolves.toMatchObject({
      publicId: 'r.pdf.extract_text.json',
    });
    const png = file('image.png', Buffer.from([0x89, 0x50, 0x4e, 0x47]));
    await expect(runConversion(context, job('extract_text'), asset({ format: 'png', publicId: 'pic' }), png, dir)).rejects.toEqual(
      new ConversionRefused('extract_text applies to PDF documents; pic is a png image'),
    );
    await expect(
      runConversion(context, job('extract_text'), asset({ resourceType: 'raw', format: null, publicId: 'notes.txt' }), file('n.txt', 'hello'), dir),
    ).rejects.toThrow('extract_text applies to PDF documents; notes.txt is a raw file that is not a PDF');
  });

  it('aspose converts raw files only', async () => {
    await expect(runConversion(context, job('aspose'), asset({ publicId: 'pic' }), file('x.pdf', '%PDF-'), dir)).rejects.toEqual(
      new ConversionRefused('aspose converts office documents uploaded as raw files; pic is an image asset'),
    );
  });
});
