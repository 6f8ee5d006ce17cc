import { ApiError } from './api-error.ts';

/** The `raw_convert` values this server runs (shared/spec/cloudinary-reference-wave2.md §2.1). */
export const RAW_CONVERT_KINDS = ['extract_text', 'aspose'] as const;
export type RawConvertKind = (typeof RAW_CONVERT_KINDS)[number];

/** Cloudinary add-ons with a `raw_convert` value that need a service this server does not run. */
const UNAVAILABLE = ['google_speech', 'azure_video_indexer'] as const;

/**
 * `raw_convert` of upload, explicit and update: one value. The message for an unknown value carries
 * both of Cloudinary's wordings the SDK's specs look for: `Illegal value` (api_spec.js, update) and
 * `Raw convert is invalid` (uploader_spec.js, REF §7.3), as add-on-params.ts words its refusals; the
 * add-ons we do not run say so after it.
 */
export function parseRawConvert(value: string): RawConvertKind {
  const trimmed = value.trim();
  if ((RAW_CONVERT_KINDS as readonly string[]).includes(trimmed)) return trimmed as RawConvertKind;
  const addOn = UNAVAILABLE.find((name) => trimmed === name || trimmed.startsWith(`${name}:`));
  if (addOn) throw illegal(`Raw convert is invalid: ${addOn} is not available on this server`);
  throw illegal(`Raw convert is invalid: ${JSON.stringify(trimmed.slice(0, 100))} (expected one of ${RAW_CONVERT_KINDS.join(', ')})`);
}

function illegal(detail: string): ApiError {
  return new ApiError(400, `Illegal value for parameter raw_convert: ${detail}`);
}

/** Whether a conversion is synchronous as Cloudinary documents it: the answer waits for it (§2.1). */
export function isSynchronousRawConvert(kind: RawConvertKind): boolean {
  return kind === 'extract_text';
}

/**
 * `info` with `raw_convert.<conversion>` set to `entry`: the other conversions and other `info` fields
 * kept in their places; an `info` that is not an object is replaced. One rule for every place that
 * records a conversion (the answer, the batch result, the asset's stored info).
 */
export function withRawConvertEntry(info: unknown, conversion: string, entry: Record<string, unknown>): Record<string, unknown> {
  const current = isRecord(info) ? info : {};
  const rawConvert = isRecord(current.raw_convert) ? current.raw_convert : {};
  return { ...current, raw_convert: { ...rawConvert, [conversion]: entry } };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
