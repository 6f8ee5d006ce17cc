import { fileExtension } from '@rendition/protocol';

/**
 * Formats that deflate well. Everything else (JPEG, PNG, WebP, video, audio codecs, archives, and
 * raw files of unknown kind) is stored as it is in a zip: deflating compressed bytes gains nothing
 * and costs a core per 30-50 MB/s.
 */
const COMPRESSIBLE = new Set([
  'txt',
  'csv',
  'tsv',
  'json',
  'xml',
  'svg',
  'html',
  'htm',
  'css',
  'js',
  'md',
  'log',
  'yaml',
  'yml',
  'bmp',
  'tif',
  'tiff',
  'ico',
  'psd',
  'wav',
  'aif',
  'aiff',
]);

/** Whether a zip entry of this format (or, for raw files, this name) is deflated. */
export function isCompressible(format: string | null, name: string): boolean {
  const kind = (format ?? fileExtension(name) ?? '').toLowerCase();
  return COMPRESSIBLE.has(kind);
}
