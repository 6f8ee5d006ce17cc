import { ApiError } from '@rendition/protocol';

/**
 * The limits every request body is read under. Text parameters are read before the request is
 * authenticated (a signature travels among them), so they are small; only the `file` parameter of an
 * upload is large, and it never sits in memory: a file part streams to staging, a `file` text (a data
 * URI) past MAX_FIELD_BYTES streams to a temporary file.
 */
export interface BodyLimits {
  /** MAX_UPLOAD_BYTES: a multipart file part. */
  readonly maxUploadBytes: number;
  /** MAX_DATA_URI_BYTES: a decoded data URI; bounds the `file` text (see fileTextLimit). */
  readonly maxDataUriBytes: number;
  /** MAX_FIELD_BYTES: one text parameter's value, `file` aside. */
  readonly maxFieldBytes: number;
  /** MAX_FIELDS_TOTAL_BYTES: all text parameters of a request, names and values, `file` aside. */
  readonly maxFieldsTotalBytes: number;
}

/** The defaults of packages/config, for a server built without them. */
export const DEFAULT_MAX_FIELD_BYTES = 64 * 1024;
export const DEFAULT_MAX_FIELDS_TOTAL_BYTES = 1024 * 1024;

/** Room for a data URI's `data:<mime>;<params>;base64,` header and stray whitespace around it. */
const DATA_URI_HEADER_ROOM = 64 * 1024;

/** Multipart framing (boundaries, part headers) besides the parts' contents. */
export const MULTIPART_FRAMING_BYTES = 2 * 1024 * 1024;
/** Most parts of one multipart body: tags and context take up to 1000 public_ids[] besides their own fields. */
export const MAX_PARTS = 1_101;
/** Largest header block of one multipart part (Content-Disposition with a long file name). */
export const MAX_PART_HEADER_BYTES = 16 * 1024;
/** Longest parameter name. */
export const MAX_FIELD_NAME_BYTES = 1024;

/** Longest `file` text: the base64 text of a data URI of MAX_DATA_URI_BYTES, and its header. */
export function fileTextLimit(limits: BodyLimits): number {
  return Math.ceil((limits.maxDataUriBytes * 4) / 3) + DATA_URI_HEADER_ROOM;
}

export type BodyEncoding = 'multipart' | 'urlencoded' | 'json';

export function bodyEncoding(contentType: string | undefined): BodyEncoding | undefined {
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase();
  if (type === 'multipart/form-data') return 'multipart';
  if (type === 'application/x-www-form-urlencoded') return 'urlencoded';
  if (type === 'application/json') return 'json';
  return undefined;
}

/**
 * The most bytes a body may have as sent: checked against Content-Length before reading, and counted
 * while reading. An upload (`takesFile`) may carry its file; a urlencoded or JSON body counts its
 * bytes as sent, so a data URI near MAX_DATA_URI_BYTES goes as multipart. A JSON body of another call
 * is read whole and parsed as one document: large (an Admin call's datasource) only with Basic
 * credentials, which were checked before reading.
 */
export function bodyLimit(limits: BodyLimits, encoding: BodyEncoding, options: { takesFile: boolean; basic: boolean }): number {
  const fields = limits.maxFieldsTotalBytes;
  switch (encoding) {
    case 'multipart':
      return (options.takesFile ? Math.max(limits.maxUploadBytes, fileTextLimit(limits)) : 0) + fields + MULTIPART_FRAMING_BYTES;
    case 'urlencoded':
      return (options.takesFile ? fileTextLimit(limits) : 0) + fields;
    case 'json':
      return (options.takesFile || options.basic ? fileTextLimit(limits) : 0) + fields;
  }
}

export function bodyTooLarge(limit: number, got?: number): ApiError {
  const size = got === undefined ? '' : ` Got ${got} bytes.`;
  return new ApiError(413, `Request body too large.${size} Maximum is ${limit} bytes.`);
}

/** Cloudinary's wording (reference wave 2 §1.2); the size is unknown when reading stopped at the limit. */
export function fileTooLarge(maximum: number, got?: number): ApiError {
  return new ApiError(
    400,
    got === undefined ? `File size too large. Maximum is ${maximum}.` : `File size too large. Got ${got}. Maximum is ${maximum}.`,
  );
}

export function fieldTooLarge(name: string, limits: BodyLimits): ApiError {
  return new ApiError(400, `Parameter ${name.slice(0, 100)} is too long (more than ${limits.maxFieldBytes} bytes)`);
}

export function fieldsTooLarge(limits: BodyLimits): ApiError {
  return new ApiError(400, `Parameters too large: more than ${limits.maxFieldsTotalBytes} bytes in all`);
}

export function fieldNameTooLong(): ApiError {
  return new ApiError(400, `Parameter name too long (more than ${MAX_FIELD_NAME_BYTES} bytes)`);
}

export const ONE_FILE_ONLY = 'Only one file may be uploaded per request';
