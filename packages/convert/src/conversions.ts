import { open, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AssetRecord } from '@rendition/catalog';
import { convertOfficeToPdf, type DocumentEngine } from '@rendition/media';
import type { ConvertJobV1 } from '@rendition/jobs';

/** The file a conversion made, and the asset it becomes. */
export interface ConversionOutput {
  path: string;
  resourceType: 'image' | 'raw';
  publicId: string;
}

/** A conversion refused for what the asset is: its entry becomes `failed` with this reason (never a failed upload). */
export class ConversionRefused extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ConversionRefused';
  }
}

export interface ConversionContext {
  documents: DocumentEngine;
  officeTimeoutMs: number;
}

/**
 * Runs one conversion on the original at `originalPath` (a scratch copy), writing its output into
 * `dir`. extract_text: the PDF's text per page as JSON (`[{"page": 1, "text": "…"}, …]`, wave 2 §2.2
 * [GUESS]) for the raw asset `<public_id>.extract_text.json`. aspose: the office file as a PDF, the
 * image asset with the same public_id (wave 2 §2.1).
 */
export async function runConversion(
  context: ConversionContext,
  job: ConvertJobV1,
  asset: AssetRecord,
  originalPath: string,
  dir: string,
): Promise<ConversionOutput> {
  switch (job.conversion) {
    case 'extract_text': {
      if (!(await isPdf(originalPath))) {
        throw new ConversionRefused(`extract_text applies to PDF documents; ${asset.publicId} is ${describeFormat(asset)}`);
      }
      const pages = await context.documents.extractText(originalPath);
      const path = join(dir, 'extract_text.json');
      await writeFile(path, JSON.stringify(pages));
      return { path, resourceType: 'raw', publicId: `${asset.publicId}.extract_text.json` };
    }
    case 'aspose': {
      if (asset.resourceType !== 'raw') {
        throw new ConversionRefused(
          `aspose converts office documents uploaded as raw files; ${asset.publicId} is ${asset.resourceType === 'image' ? 'an image' : 'a video'} asset`,
        );
      }
      const path = await convertOfficeToPdf(originalPath, dir, { timeoutMs: context.officeTimeoutMs });
      return { path, resourceType: 'image', publicId: asset.publicId };
    }
  }
}

/** A PDF by its bytes (`%PDF-` near the start, as readers accept it), whatever the asset's format says. */
async function isPdf(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const head = Buffer.alloc(1024);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    return head.subarray(0, bytesRead).includes('%PDF-');
  } finally {
    await handle.close();
  }
}

function describeFormat(asset: AssetRecord): string {
  if (asset.resourceType === 'raw') return 'a raw file that is not a PDF';
  return `a ${asset.format ?? asset.resourceType} ${asset.resourceType === 'image' ? 'image' : 'file'}`;
}
