import { describe, expect, it } from 'vitest';
import { addStroke, squaredDistances } from '../../src/text/stroke.ts';

/** The squared distance to the nearest set pixel, by looking at every pixel: what the linear transform must equal. */
function bruteForce(inside: Uint8Array, width: number, height: number): number[] {
  const set: [number, number][] = [];
  for (let y = 0; y < height; y += 1) for (let x = 0; x < width; x += 1) if (inside[y * width + x] === 1) set.push([x, y]);
  const out: number[] = [];
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) out.push(Math.min(...set.map(([sx, sy]) => (sx - x) ** 2 + (sy - y) ** 2)));
  }
  return out;
}

/** A deterministic pseudo-random sequence (no Math.random: a failure must reproduce). */
function sequence(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

describe('squaredDistances', () => {
  it('equals the brute-force squared Euclidean distance on random masks', () => {
    const random = sequence(7);
    for (const [width, height, density] of [
      [1, 1, 1],
      [9, 1, 0.2],
      [1, 9, 0.2],
      [17, 11, 0.05],
      [23, 19, 0.3],
      [30, 30, 0.01],
    ] as const) {
      const inside = new Uint8Array(width * height).map(() => (random() < density ? 1 : 0));
      inside[Math.floor(random() * width * height)] = 1;
      expect([...squaredDistances(inside, width, height)]).toEqual(bruteForce(inside, width, height));
    }
  });
});

describe('addStroke', () => {
  it('rings one opaque pixel with a round stroke of the width, the glyph colour on top', () => {
    // One white opaque pixel; a 3 px red stroke: a 7x7 image, the centre white, the disc of radius 3.5 red.
    const coverage = Buffer.from([255, 255, 255, 255]);
    const { data, width, height } = addStroke(coverage, 1, 1, { r: 255, g: 255, b: 255, alpha: 1 }, 3, { r: 255, g: 0, b: 0, alpha: 1 });
    expect([width, height]).toEqual([7, 7]);
    const pixel = (x: number, y: number): number[] => [...data.subarray((y * 7 + x) * 4, (y * 7 + x) * 4 + 4)];
    expect(pixel(3, 3)).toEqual([255, 255, 255, 255]);
    expect(pixel(0, 3)).toEqual([255, 0, 0, 128]); // distance 3: half covered
    expect(pixel(1, 3)).toEqual([255, 0, 0, 255]);
    expect(pixel(0, 0)).toEqual([0, 0, 0, 0]); // distance 4.24: outside the ring
    expect(pixel(1, 1)).toEqual([255, 0, 0, 171]); // distance 2.83: 3.5 - 2.83 covered
  });

  it('keeps the stroke under a translucent fill (the shape comes from the coverage, not the colour)', () => {
    const coverage = Buffer.from([255, 255, 255, 255]);
    const { data } = addStroke(coverage, 1, 1, { r: 0, g: 0, b: 255, alpha: 0.5 }, 1, { r: 255, g: 0, b: 0, alpha: 1 });
    // The centre: blue at 0.5 over opaque red.
    expect([...data.subarray(4 * 4, 4 * 4 + 4)]).toEqual([128, 0, 128, 255]);
  });
});
