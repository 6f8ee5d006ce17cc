import { ApiError } from './api-error.ts';
import { quoteValue, type RawParams } from './request-params.ts';

/**
 * `face_coordinates` and `custom_coordinates` (upload, explicit, the Admin API's update): regions of
 * the image as `x,y,w,h` quadruples joined by `|`, which is how the SDKs serialise `[[x,y,w,h], …]`
 * (a flat `[x,y,w,h]` is one region). They are stored on the asset and answered as `faces` and
 * `coordinates` (docs/analysis.md; the rules Cloudinary leaves unsaid are in docs/compatibility.md,
 * "Face and custom coordinates").
 */

/** One region: left, top, width, height, in pixels of the stored original. */
export type Region = [x: number, y: number, width: number, height: number];

export const COORDINATE_PARAMETERS = ['face_coordinates', 'custom_coordinates'] as const;
export type CoordinateParameter = (typeof COORDINATE_PARAMETERS)[number];

/** Most regions one parameter may name, without a configuration (COORDINATES_MAX_REGIONS). */
export const DEFAULT_MAX_REGIONS = 100;

/** Nine digits: larger than any image libvips opens, small enough to stay an exact integer everywhere. */
const COORDINATE = /^\d{1,9}$/;

/**
 * The parameter's regions: undefined when it was not sent, [] when it was sent empty (which clears
 * what the asset had), else the regions in order. Anything but well-formed quadruples of
 * non-negative integers with a positive width and height, or more than `maxRegions` of them, is a 400.
 */
export function readCoordinates(params: RawParams, name: CoordinateParameter, maxRegions = DEFAULT_MAX_REGIONS): Region[] | undefined {
  const raw = params[name];
  if (raw === undefined) return undefined;
  // A list (`name[]` fields, a JSON array of numbers) is one flat region, as the SDKs read `[x,y,w,h]`.
  const text = fromJsonText(Array.isArray(raw) ? raw.join(',') : raw).trim();
  if (text === '') return [];
  const parts = text.split('|');
  if (parts.length > maxRegions) {
    throw new ApiError(400, `Invalid ${name}: too many regions (${parts.length}; at most ${maxRegions})`);
  }
  return parts.map((part) => readRegion(name, part));
}

/** A JSON body's nested array arrives as its JSON text (fromJsonBody): back to the SDK's wire form. */
function fromJsonText(text: string): string {
  if (!text.trimStart().startsWith('[')) return text;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return text;
  }
  if (!Array.isArray(parsed)) return text;
  const regions = parsed.every((item) => Array.isArray(item)) ? (parsed as unknown[][]) : [parsed];
  return regions.map((region) => region.map((item) => (typeof item === 'number' ? String(item) : '?')).join(',')).join('|');
}

function readRegion(name: CoordinateParameter, part: string): Region {
  const numbers = part.split(',').map((item) => item.trim());
  if (numbers.length !== 4 || !numbers.every((item) => COORDINATE.test(item))) {
    throw new ApiError(400, `Invalid ${name} '${quoteValue(part)}': expected x,y,width,height as non-negative integers, regions separated by |`);
  }
  const region = numbers.map(Number) as Region;
  if (region[2] === 0 || region[3] === 0) {
    throw new ApiError(400, `Invalid ${name} '${quoteValue(part)}': a region's width and height must be at least 1`);
  }
  return region;
}

/**
 * Regions given with an upload, bounded by the image it stores: a width or height larger than the
 * image's is cut to it (`w = min(w, width)`, `h = min(h, height)`). The SDK's spec uploads its
 * 241×51 logo with [120,30,109,150] and expects [120,30,109,51], so the height is bounded by the
 * image's height, not by what lies below y (which would give 21). x and y are kept as sent.
 * Unknown dimensions (a file libvips cannot read) leave the regions as sent.
 */
export function clampRegions(regions: readonly Region[], width: number | null, height: number | null): Region[] {
  return regions.map(([x, y, w, h]) => [x, y, width === null ? w : Math.min(w, width), height === null ? h : Math.min(h, height)]);
}

/** `coordinates=true` on a resource read: each kind only when the asset has regions of it. */
export function coordinatesField(faces: readonly Region[] | null | undefined, custom: readonly Region[] | null | undefined): Record<string, Region[]> {
  const field: Record<string, Region[]> = {};
  if (faces && faces.length > 0) field.faces = faces.map((region) => [...region] as Region);
  if (custom && custom.length > 0) field.custom = custom.map((region) => [...region] as Region);
  return field;
}
