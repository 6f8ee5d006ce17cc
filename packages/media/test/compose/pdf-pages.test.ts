import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pdfinfo, popplerPage } from '@rendition/testing';
import sharp from 'sharp';
import { createDocumentEngine, DEFAULT_DOCUMENT_LIMITS, writePdf, type DocumentEngine } from '../../src/index.ts';
import { useTempDir } from '../media-files.ts';
import { LIMITS, quadrantFrame, solidFrame } from './compose-frames.ts';

const temp = useTempDir();
let documents: DocumentEngine;

beforeAll(() => {
  documents = createDocumentEngine({ ...DEFAULT_DOCUMENT_LIMITS, concurrency: 1 });
});
afterAll(async () => {
  await documents?.close();
});

describe('writePdf', () => {
  it('writes one page per frame, each the frame’s size in points, readable by pdf.js and poppler', async () => {
    const frames = [
      await quadrantFrame(temp.path, 'first', 120, 80, 1),
      await solidFrame(temp.path, 'second', 50, 90, { r: 0, g: 128, b: 255, alpha: 0.5 }),
      await quadrantFrame(temp.path, 'third', 64, 64, 3),
    ];
    const output = `${temp.path}/out.pdf`;
    const written = await writePdf(frames, output, { limits: LIMITS });
    expect(written).toMatchObject({ width: 120, height: 80, pages: 3 });

    expect(await pdfinfo(output)).toEqual({ pages: 3, width: 120, height: 80 });
    expect(await documents.probePdf(output)).toMatchObject({ pages: 3, width: 120, height: 80 });
    const second = `${temp.path}/second-page.png`;
    expect(await documents.renderPdfPage(output, second, { page: 2, density: 72 })).toEqual({ width: 50, height: 90 });
    // Transparency flattened on white: half-transparent blue over white.
    const { data } = await sharp(second).raw().toBuffer({ resolveWithObject: true });
    const [r, g, b] = [data[0]!, data[1]!, data[2]!];
    expect(Math.abs(r - 128)).toBeLessThan(12);
    expect(Math.abs(g - 192)).toBeLessThan(12);
    expect(b).toBeGreaterThan(240);

    // Page 3 as poppler draws it matches the frame (JPEG inside: close, not exact).
    const page = await sharp(await popplerPage(output, 3, 72))
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    const frame = await sharp(frames[2]!).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    expect([page.info.width, page.info.height]).toEqual([64, 64]);
    let difference = 0;
    for (let index = 0; index < frame.data.length; index += 1) difference += Math.abs(frame.data[index]! - page.data[index]!);
    expect(difference / frame.data.length).toBeLessThan(6);
  });

  it('refuses pages whose pixels together exceed the limit', async () => {
    const frames = [
      await solidFrame(temp.path, 'p1', 100, 100, { r: 0, g: 0, b: 0 }),
      await solidFrame(temp.path, 'p2', 100, 100, { r: 0, g: 0, b: 0 }),
    ];
    await expect(writePdf(frames, `${temp.path}/big.pdf`, { limits: { ...LIMITS, maxOutputPixels: 19_999 } })).rejects.toMatchObject({
      kind: 'too_large',
    });
  });
});
