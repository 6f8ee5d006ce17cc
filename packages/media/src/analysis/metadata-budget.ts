/** Default of IMAGE_METADATA_MAX_BYTES: a camera JPEG's map is 2–6 KB; this leaves room for long XMP. */
export const DEFAULT_IMAGE_METADATA_MAX_BYTES = 32 * 1024;

/**
 * An `image_metadata` map within `maxBytes` of JSON text (UTF-8): the entries in their order, each kept
 * when it still fits, so one oversized value (a long XMP description) leaves out only itself. The map
 * is kept with the asset, read back by every listing of it, and answered as it was kept: the bound
 * keeps a file's metadata from growing every row that carries it.
 */
export function withinMetadataBudget(metadata: Readonly<Record<string, string>>, maxBytes: number): Record<string, string> {
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 2) throw new TypeError(`maxBytes must be an integer of at least 2, got ${maxBytes}`);
  const kept: Record<string, string> = {};
  // `{}`, then `"key":"value"` per entry and a comma between entries.
  let used = 2;
  for (const [key, value] of Object.entries(metadata)) {
    const size = Buffer.byteLength(JSON.stringify(key)) + 1 + Buffer.byteLength(JSON.stringify(value)) + (used > 2 ? 1 : 0);
    if (used + size > maxBytes) continue;
    kept[key] = value;
    used += size;
  }
  return kept;
}
