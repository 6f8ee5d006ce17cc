// The `stroke` of a text layer: Pango has no outline, so the outline is drawn around the rendered
// glyphs instead: every pixel within `width` pixels of a glyph (Euclidean distance, so corners are
// round) is painted in the stroke colour, and the glyphs are painted over it. The stroke therefore lies
// wholly outside the glyphs (a real outline stroke is centred on the outline, half of it inside), and
// the image grows by `width` on every side. docs/transformations.md, "Text layers", says so.

/** A pixel farther than any image is wide from every glyph (finite, so the arithmetic below never meets Infinity - Infinity). */
const FAR = 1e20;
/** Glyph pixels at least this opaque count as inside the glyph (the antialiased edge is half covered at 128). */
const INSIDE_ALPHA = 128;

/** Columns transformed together in the second pass: their values of one row share a cache line. */
const COLUMN_BLOCK = 16;

/**
 * Squared distance transform of one column (Felzenszwalb and Huttenlocher, "Distance Transforms of
 * Sampled Functions", 2012): `out[q]` = min over p of (q - p)² + f[p], for f and out from `offset` on.
 * Linear in n.
 */
function transform1d(f: Float64Array, offset: number, n: number, out: Float64Array, vertices: Int32Array, bounds: Float64Array): void {
  let k = 0;
  vertices[0] = 0;
  bounds[0] = -FAR;
  bounds[1] = FAR;
  for (let q = 1; q < n; q += 1) {
    const fq = f[offset + q]! + q * q;
    let s: number;
    for (;;) {
      const p = vertices[k]!;
      s = (fq - (f[offset + p]! + p * p)) / (2 * q - 2 * p);
      // bounds[0] is -FAR, so the loop always ends at k = 0 at the latest.
      if (s > bounds[k]! || k === 0) break;
      k -= 1;
    }
    k += 1;
    vertices[k] = q;
    bounds[k] = s;
    bounds[k + 1] = FAR;
  }
  k = 0;
  for (let q = 0; q < n; q += 1) {
    while (bounds[k + 1]! < q) k += 1;
    const p = vertices[k]!;
    out[offset + q] = (q - p) * (q - p) + f[offset + p]!;
  }
}

/**
 * Squared distance from every pixel of a width × height grid to the nearest pixel where `inside` is 1.
 * First each row on its own (the horizontal distance, two sweeps), then the columns, COLUMN_BLOCK at a
 * time so that memory is read along rows: a column at a time misses the cache on every pixel.
 */
export function squaredDistances(inside: Uint8Array, width: number, height: number): Float32Array {
  const grid = new Float32Array(width * height);
  for (let y = 0; y < height; y += 1) {
    const row = y * width;
    let last = -1;
    for (let x = 0; x < width; x += 1) {
      if (inside[row + x] === 1) last = x;
      grid[row + x] = last < 0 ? FAR : (x - last) * (x - last);
    }
    let next = -1;
    for (let x = width - 1; x >= 0; x -= 1) {
      if (inside[row + x] === 1) next = x;
      if (next >= 0) grid[row + x] = Math.min(grid[row + x]!, (next - x) * (next - x));
    }
  }
  const columns = new Float64Array(COLUMN_BLOCK * height);
  const out = new Float64Array(COLUMN_BLOCK * height);
  const vertices = new Int32Array(height);
  const bounds = new Float64Array(height + 1);
  for (let x0 = 0; x0 < width; x0 += COLUMN_BLOCK) {
    const count = Math.min(COLUMN_BLOCK, width - x0);
    for (let y = 0; y < height; y += 1) {
      const row = y * width + x0;
      for (let j = 0; j < count; j += 1) columns[j * height + y] = grid[row + j]!;
    }
    for (let j = 0; j < count; j += 1) transform1d(columns, j * height, height, out, vertices, bounds);
    for (let y = 0; y < height; y += 1) {
      const row = y * width + x0;
      for (let j = 0; j < count; j += 1) grid[row + j] = out[j * height + y]!;
    }
  }
  return grid;
}

export type Rgba = { r: number; g: number; b: number; alpha: number };

/**
 * The glyphs in `fill` with a stroke of `strokeWidth` pixels around them in `stroke`: a new RGBA buffer
 * (straight alpha) `strokeWidth` larger on every side. `coverage` is the drawn text (RGBA, `width` ×
 * `height`): only its alpha is read. A pixel's stroke coverage is `strokeWidth + 0.5 - distance`
 * clamped to 0..1, which softens the outer edge over one pixel. The glyph shape is taken from the
 * coverage, not from the fill colour's alpha, so a translucent fill keeps its stroke.
 */
export function addStroke(
  coverage: Buffer,
  width: number,
  height: number,
  fill: Rgba,
  strokeWidth: number,
  stroke: Rgba,
): { data: Buffer; width: number; height: number } {
  const outWidth = width + 2 * strokeWidth;
  const outHeight = height + 2 * strokeWidth;
  const inside = new Uint8Array(outWidth * outHeight);
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      if (coverage[(y * width + x) * 4 + 3]! >= INSIDE_ALPHA) inside[(y + strokeWidth) * outWidth + x + strokeWidth] = 1;
    }
  }
  const distances = squaredDistances(inside, outWidth, outHeight);
  const data = Buffer.alloc(outWidth * outHeight * 4);
  const reach = (strokeWidth + 0.5) ** 2;
  for (let y = 0; y < outHeight; y += 1) {
    const gy = y - strokeWidth;
    for (let x = 0; x < outWidth; x += 1) {
      const index = y * outWidth + x;
      const squared = distances[index]!;
      const gx = x - strokeWidth;
      const inGlyphs = gx >= 0 && gy >= 0 && gx < width && gy < height;
      const fillAlpha = inGlyphs ? (coverage[(gy * width + gx) * 4 + 3]! / 255) * fill.alpha : 0;
      // Beyond the stroke's reach and outside the glyphs: transparent (most pixels of a wide text).
      if (fillAlpha === 0 && squared >= reach) continue;
      const ring = Math.min(1, Math.max(0, strokeWidth + 0.5 - Math.sqrt(squared)));
      const strokeAlpha = ring * stroke.alpha;
      // Source-over: the glyphs over the stroke, straight (not premultiplied) alpha in and out.
      const alpha = fillAlpha + strokeAlpha * (1 - fillAlpha);
      if (alpha <= 0) continue;
      const under = strokeAlpha * (1 - fillAlpha);
      const target = index * 4;
      data[target] = Math.round((fill.r * fillAlpha + stroke.r * under) / alpha);
      data[target + 1] = Math.round((fill.g * fillAlpha + stroke.g * under) / alpha);
      data[target + 2] = Math.round((fill.b * fillAlpha + stroke.b * under) / alpha);
      data[target + 3] = Math.round(alpha * 255);
    }
  }
  return { data, width: outWidth, height: outHeight };
}
