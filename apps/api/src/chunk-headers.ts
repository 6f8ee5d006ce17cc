import type { IncomingHttpHeaders } from 'node:http';
import { findLargeUpload, type CatalogDb } from '@rendition/catalog';
import { ApiError } from '@rendition/protocol';
import type { ChunkPosition } from '@rendition/intake';

/** A chunk of a chunked upload (reference wave 2 §4.3): its upload id and its place in the file. */
export interface ChunkHeaders {
  uploadId: string;
  position: ChunkPosition;
}

const UPLOAD_ID = /^[A-Za-z0-9-]{1,64}$/;
// bytes S-E/T, bytes S-E/-1, bytes S-E/*, bytes S-E, and Node's empty file: bytes 0--1/0.
const CONTENT_RANGE = /^bytes\s+(\d{1,16})-(-1|\d{1,16})(?:\/(\*|-1|\d{1,16}))?$/i;
const PART = /^\d{1,5}$/;

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return (Array.isArray(value) ? value[0] : value)?.trim();
}

/** The chunk an upload request carries, or undefined for a whole upload. */
export function parseChunkHeaders(headers: IncomingHttpHeaders): ChunkHeaders | undefined {
  const uploadId = header(headers, 'x-unique-upload-id');
  const range = header(headers, 'content-range');
  const partNumber = header(headers, 'x-upload-part-number');
  const totalParts = header(headers, 'x-upload-total-parts');
  if (uploadId === undefined) {
    if (range !== undefined || partNumber !== undefined) throw new ApiError(400, 'A chunk (Content-Range) needs an X-Unique-Upload-Id header');
    return undefined;
  }
  if (!UPLOAD_ID.test(uploadId)) throw new ApiError(400, `Invalid X-Unique-Upload-Id ${uploadId.slice(0, 80)}: expected 1 to 64 of A-Z a-z 0-9 -`);

  if (range !== undefined) {
    const match = CONTENT_RANGE.exec(range);
    if (!match) throw new ApiError(400, `Invalid Content-Range ${range.slice(0, 100)}`);
    const start = Number(match[1]);
    const end = Number(match[2]);
    const totalText = match[3];
    const total = totalText === undefined || totalText === '*' || totalText === '-1' ? undefined : Number(totalText);
    const empty = start === 0 && end === -1 && total === 0;
    if (!empty && end < start) throw new ApiError(400, `Invalid Content-Range ${range.slice(0, 100)}`);
    // Node and Java send `/-1` on every part but the last (which carries the total): such a part is never the last.
    const moreFollow = totalText === '-1';
    return { uploadId, position: { kind: 'range', start, end, total, moreFollow, text: `bytes ${start}-${end}/${totalText ?? '*'}` } };
  }
  if (partNumber !== undefined) {
    if (!PART.test(partNumber) || totalParts === undefined || !PART.test(totalParts)) {
      throw new ApiError(400, 'Invalid X-Upload-Part-Number or X-Upload-Total-Parts');
    }
    const part = Number(partNumber);
    const total = Number(totalParts);
    if (part < 1 || total < 1 || total > 10_000 || part > total) throw new ApiError(400, 'Invalid X-Upload-Part-Number or X-Upload-Total-Parts');
    return { uploadId, position: { kind: 'part', partNumber: part, totalParts: total } };
  }
  throw new ApiError(400, 'A chunk (X-Unique-Upload-Id) needs a Content-Range or an X-Upload-Part-Number header');
}

/**
 * Whether this request is a later chunk of a chunked upload already started in this cloud. The PHP SDK
 * signs once and reuses that timestamp for every chunk, so an upload that outlasts the signature's
 * lifetime would fail midway: the timestamp's age is checked on the chunk that starts an upload only
 * (reference wave 2 §4.3 rule 5, a [GUESS]); the signature itself is verified on every chunk.
 */
export async function continuesChunkedUpload(db: CatalogDb, cloudName: string, headers: IncomingHttpHeaders): Promise<boolean> {
  const uploadId = header(headers, 'x-unique-upload-id');
  if (uploadId === undefined || !UPLOAD_ID.test(uploadId)) return false;
  return (await findLargeUpload(db, cloudName, uploadId)) !== undefined;
}
