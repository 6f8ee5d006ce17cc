/**
 * The formats a derivative can be delivered in: what `f_` names (besides `auto`), what an eager item's
 * `/ext` and a delivery URL's extension may select, and what a derive job writes. Cloudinary's names
 * (`jpg`, never `jpeg`).
 */
export const OUTPUT_FORMATS = ['jpg', 'png', 'webp', 'avif', 'gif'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export function isOutputFormat(format: string): format is OutputFormat {
  return (OUTPUT_FORMATS as readonly string[]).includes(format);
}

/** Other spellings of a format (file extensions) → Cloudinary's name for it. */
const FORMAT_ALIASES: ReadonlyMap<string, string> = new Map([
  ['jpeg', 'jpg'],
  ['jpe', 'jpg'],
  ['tif', 'tiff'],
]);

/**
 * A format name as Cloudinary spells it: lowercased, aliases resolved (`JPEG`, `jpe` → `jpg`; `tif` →
 * `tiff`); any other name comes back lowercased and otherwise unchanged (whether it is a format the
 * caller supports is the caller's question, e.g. isOutputFormat).
 */
export function normalizeFormat(format: string): string {
  const lower = format.toLowerCase();
  return FORMAT_ALIASES.get(lower) ?? lower;
}
