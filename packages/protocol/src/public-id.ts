import { ApiError } from './api-error.ts';
import { quoteValue } from './request-params.ts';
import { takeRandomBytes } from './random-hex.ts';

export const MAX_PUBLIC_ID_LENGTH = 255;

/** Characters Cloudinary refuses in a public_id: they break URLs or its own path grammar. */
const FORBIDDEN_CHARACTERS = /[?&#\\%<>+]/;
// C0 and C1 controls and DEL: invisible in logs and URLs, never part of a sane name.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/;
/** `v123` is how a delivery URL spells the version, so it cannot be a folder or a name. */
const VERSION_LIKE = /^v\d+$/;

function refuse(kind: string, id: string, reason: string): ApiError {
  return new ApiError(400, `Invalid ${kind} ${quoteValue(id, MAX_PUBLIC_ID_LENGTH)}: ${reason}`);
}

function checkPath(kind: string, value: string): void {
  if ([...value].length > MAX_PUBLIC_ID_LENGTH) {
    throw refuse(kind, value, `longer than ${MAX_PUBLIC_ID_LENGTH} characters`);
  }
  // A lone surrogate cannot be percent-encoded into a URL (encodeURIComponent throws) nor stored as UTF-8.
  if (!value.isWellFormed()) throw refuse(kind, value.toWellFormed(), 'is not well-formed Unicode');
  if (CONTROL_CHARACTERS.test(value)) throw refuse(kind, value, 'contains a control character');
  const forbidden = FORBIDDEN_CHARACTERS.exec(value);
  if (forbidden) throw refuse(kind, value, `must not contain '${forbidden[0]}'`);
  if (/^[\s/]|[\s/]$/.test(value)) throw refuse(kind, value, 'must not begin or end with a space or /');
  for (const element of value.split('/')) {
    if (element === '') throw refuse(kind, value, 'contains an empty path element');
    if (element === '.' || element === '..') throw refuse(kind, value, `path element '${element}' is not allowed`);
    if (VERSION_LIKE.test(element)) {
      throw refuse(kind, value, `path element '${element}' looks like a version component`);
    }
  }
}

/** Returns the id unchanged when Cloudinary would accept it (reference §4 "public_id rules"). */
export function validatePublicId(id: string): string {
  if (id === '') throw new ApiError(400, 'Invalid public_id: must not be empty');
  checkPath('public_id', id);
  return id;
}

/**
 * `folder` and `public_id_prefix` become leading path elements of a public_id, so they obey the same
 * rules; surrounding slashes are forgiven (`/a/b/` means `a/b`). Empty after trimming = not given.
 */
export function normalizeFolder(value: string, kind = 'folder'): string | undefined {
  const trimmed = value.replace(/^\/+|\/+$/g, '');
  if (trimmed === '') return undefined;
  checkPath(kind, trimmed);
  return trimmed;
}

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** Uniform over [a-z0-9]: bytes >= 252 are redrawn so the modulo does not favour some letters. */
export function randomAlphanumeric(length: number): string {
  let out = '';
  while (out.length < length) {
    // A few spare bytes cover the rare redraw; what a loop leaves unused is dropped, never handed out again.
    for (const byte of takeRandomBytes(length - out.length + 4)) {
      if (byte >= 252) continue;
      out += ALPHABET[byte % 36];
      if (out.length === length) break;
    }
  }
  return out;
}

/** Cloudinary's generated ids look like `e7osszr9rn0zx43vuysm`. */
export function randomPublicId(): string {
  return randomAlphanumeric(20);
}

/** Length of the `_` + 6 characters that `unique_filename` appends. */
const UNIQUE_SUFFIX_LENGTH = 7;

function basename(filename: string): string {
  const parts = filename.split(/[/\\]/);
  return parts[parts.length - 1] ?? '';
}

/** `photo.JPG` → `JPG`; none for `README` or `.env` (a leading dot names the file, not a type). */
export function fileExtension(filename: string): string | undefined {
  const name = basename(filename);
  const dot = name.lastIndexOf('.');
  if (dot <= 0 || dot === name.length - 1) return undefined;
  return name.slice(dot + 1);
}

function stripExtension(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot <= 0 ? name : name.slice(0, dot);
}

/**
 * The public_id `use_filename` derives from an uploaded file's name: no directory, no extension,
 * every character a public_id forbids (and whitespace) turned into `_`, and with `unique` an `_` plus
 * six random characters (`logo_a1b2c3`). The result always passes validatePublicId; a name with
 * nothing usable left falls back to a random id.
 */
export function publicIdFromFilename(filename: string, options: { unique: boolean }): string {
  let name = stripExtension(basename(filename.toWellFormed()))
    // eslint-disable-next-line no-control-regex -- control characters are what is replaced
    .replace(/[?&#\\%<>+\s\u0000-\u001f\u007f-\u009f]/gu, '_');
  const room = MAX_PUBLIC_ID_LENGTH - (options.unique ? UNIQUE_SUFFIX_LENGTH : 0);
  name = [...name].slice(0, room).join('');
  if (name === '' || name === '.' || name === '..') return randomPublicId();
  if (options.unique) return `${name}_${randomAlphanumeric(6)}`;
  return VERSION_LIKE.test(name) ? `${name}_` : name;
}

/**
 * The full public_id from its parts: `folder/public_id_prefix/id`, each part trimmed of slashes.
 * Callers validate the result (its length can only be checked once composed).
 */
export function composePublicId(parts: { folder?: string | undefined; publicIdPrefix?: string | undefined; id: string }): string {
  return [parts.folder, parts.publicIdPrefix, parts.id]
    .map((part) => (part ?? '').replace(/^\/+|\/+$/g, ''))
    .filter((part) => part !== '')
    .join('/');
}

/** Raw assets keep their extension in the public_id (`report.pdf`), unless it is already there. */
export function rawPublicIdWithExtension(id: string, extension: string | undefined | null): string {
  if (extension === undefined || extension === null || extension === '') return id;
  const suffix = `.${extension}`;
  return id.toLowerCase().endsWith(suffix.toLowerCase()) ? id : `${id}${suffix}`;
}

/** The folder a public_id lives in under fixed-folder naming: `a/b/c` → `a/b`, `c` → ``. */
export function publicIdFolder(publicId: string): string {
  const slash = publicId.lastIndexOf('/');
  return slash === -1 ? '' : publicId.slice(0, slash);
}
