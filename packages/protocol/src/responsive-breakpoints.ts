import { ApiError } from './api-error.ts';
import { isImageOutputFormat, normalizeFormat } from './output-formats.ts';
import { quoteValue } from './request-params.ts';

/**
 * One settings object of `responsive_breakpoints` (upload and explicit), typed and bounded. The
 * transformation stays text: the transformation language is another package's grammar, checked
 * where the named transformations can be read (intake).
 */
export interface ResponsiveBreakpointSettings {
  /** Keep the breakpoint images as derivatives of the asset (else their URLs derive on first request). */
  createDerived: boolean;
  /** The size difference, in bytes, aimed at between consecutive breakpoint images. */
  bytesStep: number;
  minWidth: number;
  /** Capped by the width of the (transformed) image: breakpoints never upscale. */
  maxWidth: number;
  maxImages: number;
  /** As the client sent it (the SDKs send a transformation's URL text), applied before the scaling; null when none. */
  transformation: string | null;
  /** The breakpoint images' format (normalized: jpeg → jpg); null: the transformation's or the asset's. */
  format: string | null;
}

/** Cloudinary's documented defaults. */
export const BREAKPOINT_DEFAULTS = Object.freeze({ bytesStep: 20_000, minWidth: 50, maxWidth: 1000, maxImages: 20 });

/**
 * Every breakpoint image is an encode of the original: a request's images are bounded in all, so one
 * upload cannot ask for thousands of them. [GUESS] Cloudinary documents 3–200 for `w_auto:breakpoints`
 * and nothing for this parameter; its own SDK tests ask for 2 (docs/compatibility.md).
 */
export const MAX_BREAKPOINT_IMAGES = 100;
/** Settings objects in one request. [GUESS] Rendition's bound; Cloudinary publishes none. */
export const MAX_BREAKPOINT_SETTINGS = 10;

const INTEGER_FIELDS = [
  ['bytes_step', 'bytesStep'],
  ['min_width', 'minWidth'],
  ['max_width', 'maxWidth'],
  ['max_images', 'maxImages'],
] as const;

const invalid = (reason: string): ApiError => new ApiError(400, `Invalid responsive_breakpoints: ${reason}`);
/** A client's value quoted back, short whatever it was sent as. */
const shown = (value: unknown): string => quoteValue(JSON.stringify(value) ?? typeof value, 60);

/**
 * `responsive_breakpoints`: the JSON the SDKs send, one settings object or an array of them. Unknown
 * keys are ignored, as Cloudinary ignores unknown parameters; every known one is checked, so a bad
 * value is a 400 before anything is stored. An empty array asks for nothing.
 */
export function parseResponsiveBreakpoints(text: string): ResponsiveBreakpointSettings[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw invalid(`not valid JSON: ${shown(text)}`);
  }
  const entries = Array.isArray(parsed) ? parsed : [parsed];
  if (entries.length > MAX_BREAKPOINT_SETTINGS) {
    throw invalid(`at most ${MAX_BREAKPOINT_SETTINGS} settings objects are allowed per request, got ${entries.length}`);
  }
  const settings = entries.map((entry, index) => readSettings(entry, entries.length > 1 ? ` (settings ${index + 1})` : ''));
  const images = settings.reduce((sum, entry) => sum + entry.maxImages, 0);
  if (images > MAX_BREAKPOINT_IMAGES) {
    throw invalid(`max_images adds up to ${images} over the settings, at most ${MAX_BREAKPOINT_IMAGES} are allowed per request`);
  }
  return settings;
}

function readSettings(entry: unknown, where: string): ResponsiveBreakpointSettings {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
    throw invalid(`expected an object of settings${where}, got ${shown(entry)}`);
  }
  const fields = entry as Record<string, unknown>;
  const settings: ResponsiveBreakpointSettings = {
    createDerived: readFlag(fields.create_derived, where),
    ...BREAKPOINT_DEFAULTS,
    transformation: readText(fields, 'transformation', where),
    format: readFormat(fields, where),
  };
  for (const [name, field] of INTEGER_FIELDS) {
    const value = readInteger(fields[name], name, where);
    if (value !== undefined) settings[field] = value;
  }
  if (settings.minWidth > settings.maxWidth) {
    throw invalid(`min_width ${settings.minWidth} is greater than max_width ${settings.maxWidth}${where}`);
  }
  if (settings.maxImages > MAX_BREAKPOINT_IMAGES) {
    throw invalid(`max_images must be between 1 and ${MAX_BREAKPOINT_IMAGES}, got ${settings.maxImages}${where}`);
  }
  return settings;
}

/**
 * [GUESS] Cloudinary calls create_derived required; absent here means false, which still answers the
 * breakpoints (their URLs derive on first request), so a client that omits it is served either way.
 */
function readFlag(value: unknown, where: string): boolean {
  if (value === undefined || value === null) return false;
  if (value === true || value === 'true' || value === 1 || value === '1') return true;
  if (value === false || value === 'false' || value === 0 || value === '0') return false;
  throw invalid(`create_derived must be true or false, got ${shown(value)}${where}`);
}

/** A positive integer: a JSON number, or its decimal text (some SDKs send numbers as strings). */
function readInteger(value: unknown, name: string, where: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  const number = typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isSafeInteger(number) || number < 1) {
    throw invalid(`${name} must be a positive integer, got ${shown(value)}${where}`);
  }
  return number;
}

function readText(fields: Record<string, unknown>, name: string, where: string): string | null {
  const value = fields[name];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw invalid(`${name} must be a string${where}, got ${shown(value)}`);
  const text = value.trim();
  return text === '' ? null : text;
}

function readFormat(fields: Record<string, unknown>, where: string): string | null {
  const text = readText(fields, 'format', where);
  if (text === null) return null;
  const format = normalizeFormat(text);
  if (!isImageOutputFormat(format)) throw invalid(`format ${shown(text)} is not an image format${where}`);
  return format;
}
