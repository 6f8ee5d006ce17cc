import { MediaError } from './media-error.ts';

/**
 * libvips reports everything as a plain Error with text, so the kind is read from the text. What
 * is not recognised is taken as corrupt input: the file got past detection and failed to decode,
 * which is what a client calls a bad file. A missing input file is not the client's fault and is
 * passed through untouched so the job fails as ours and is retried.
 */
export function toMediaError(error: unknown): unknown {
  if (error instanceof MediaError || !(error instanceof Error)) return error;
  const text = error.message;
  if (/^Input file is missing/.test(text) || 'code' in error) return error;
  if (/exceeds pixel limit/i.test(text)) {
    return new MediaError('too_large', 'Image exceeds the maximum number of pixels', { cause: error });
  }
  if (/^timeout:/m.test(text)) {
    return new MediaError('timeout', 'Image processing took too long', { cause: error });
  }
  if (/unsupported image format|not been built|unsupported (codec|feature)|no decoding plugin/i.test(text)) {
    return new MediaError('unsupported', 'Unsupported image format', { cause: error });
  }
  return new MediaError('corrupt', 'Invalid image file', { cause: error });
}
