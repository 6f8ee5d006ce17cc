import { describe, expect, it } from 'vitest';
import { colorsField, colourClusters, MAX_COLOURS, predominantField } from '../../src/analysis/colors.ts';
import { hexColour, srgbToLab } from '../../src/analysis/colour-space.ts';
import { CLOUDINARY_PALETTE, GOOGLE_PALETTE, nearestName } from '../../src/analysis/palettes.ts';
import { paint, photoLike, twoColours } from './analysis-images.ts';
import type { Rgba } from './analysis-images.ts';

const HEX6 = /^#[0-9A-F]{6}$/;
const HEX8 = /^#[0-9A-F]{8}$/;

describe('colors', () => {
  it('lists a flat two-colour image as exactly its two colours and shares', () => {
    const found = colourClusters(twoColours(100, 50, 0.7, [3, 3, 3, 255], [248, 248, 248, 255]));
    expect(colorsField(found)).toEqual([
      ['#030303', 70],
      ['#F8F8F8', 30],
    ]);
    expect(predominantField(found)).toEqual({
      google: [
        ['black', 70],
        ['white', 30],
      ],
      cloudinary: [
        ['black', 70],
        ['white', 30],
      ],
    });
  });

  it.each<[string, number, number]>([
    ['one decimal, rounded half up', 1000, 0.6945],
    ['one decimal, rounded down', 1000, 0.6941],
  ])('writes percentages with %s', (_, width, split) => {
    const [[, first], [, second]] = colorsField(colourClusters(twoColours(width, 1, split, [200, 30, 30, 255], [30, 30, 200, 255]))) as [
      [string, number],
      [string, number],
    ];
    const edge = Math.round(width * split);
    expect(first).toBe(Math.round((edge / width) * 1000) / 10);
    expect(second).toBe(Math.round(((width - edge) / width) * 1000) / 10);
    expect(String(first)).toMatch(/^\d+(\.\d)?$/);
  });

  it('orders by descending share, whatever the order in the image', () => {
    const colours: Rgba[] = [
      [255, 0, 0, 255],
      [0, 0, 255, 255],
      [0, 160, 0, 255],
    ];
    // 20 % red, 50 % blue, 30 % green, in that order from the left.
    const pixels = paint(100, 10, (x) => (x < 20 ? colours[0]! : x < 70 ? colours[1]! : colours[2]!));
    expect(colorsField(colourClusters(pixels))).toEqual([
      ['#0000FF', 50],
      ['#00A000', 30],
      ['#FF0000', 20],
    ]);
  });

  it('merges shades closer than the merge distance into one colour, their mean', () => {
    const pixels = paint(100, 10, (x) => (x % 2 === 0 ? [100, 100, 100, 255] : [104, 104, 104, 255]));
    expect(colorsField(colourClusters(pixels))).toEqual([['#666666', 100]]);
  });

  it('lists at most twelve colours, each at least 1 % of the image', () => {
    const field = colorsField(colourClusters(photoLike(200, 150, 8)));
    expect(field.length).toBeGreaterThan(3);
    expect(field.length).toBeLessThanOrEqual(MAX_COLOURS);
    for (const [hex, percent] of field) {
      expect(hex).toMatch(HEX6);
      expect(percent).toBeGreaterThanOrEqual(1);
    }
    const percents = field.map(([, percent]) => percent);
    expect(percents).toEqual([...percents].sort((a, b) => b - a));
    expect(percents.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(100.05);

    // 20 colours of 5 % each: the first twelve (ties go by hex).
    const many = paint(100, 1, (x) => [Math.floor(x / 5) * 12, 255 - Math.floor(x / 5) * 12, (Math.floor(x / 5) * 97) % 256, 255]);
    expect(colorsField(colourClusters(many))).toHaveLength(12);
  });

  it('writes 8-digit hex for every colour once any pixel has alpha', () => {
    const found = colourClusters(twoColours(10, 10, 0.6, [255, 0, 0, 255], [0, 0, 255, 128]));
    expect(found.hasAlpha).toBe(true);
    expect(colorsField(found)).toEqual([
      ['#FF0000FF', 60],
      ['#0000FF80', 40],
    ]);
    for (const [hex] of colorsField(found)) expect(hex).toMatch(HEX8);
  });

  it('counts fully transparent pixels as one colour and leaves them unnamed', () => {
    const pixels = paint(10, 10, (x, y) => (x < 5 ? [255, 255, 0, 255] : [(x * 40) % 256, (y * 25) % 256, 7, 0]));
    const found = colourClusters(pixels);
    expect(colorsField(found)).toEqual([
      ['#00000000', 50],
      ['#FFFF00FF', 50],
    ]);
    expect(predominantField(found).google).toEqual([['yellow', 50]]);
  });

  it('adds up the shares of colours with the same name', () => {
    // Two reds more than the merge distance apart, and a blue.
    const pixels = paint(100, 1, (x) => (x < 40 ? [255, 0, 0, 255] : x < 70 ? [170, 10, 20, 255] : [0, 0, 255, 255]));
    const found = colourClusters(pixels);
    expect(colorsField(found)).toHaveLength(3);
    expect(predominantField(found).google).toEqual([
      ['red', 70],
      ['blue', 30],
    ]);
  });
});

describe('palettes', () => {
  const name = (palette: typeof GOOGLE_PALETTE, hex: string): string =>
    nearestName(palette, srgbToLab(parseInt(hex.slice(1, 3), 16), parseInt(hex.slice(3, 5), 16), parseInt(hex.slice(5, 7), 16)));

  it.each([
    ['#030303', 'black'],
    ['#F8F8F8', 'white'],
    ['#7F7F7F', 'gray'],
    ['#B4B4B4', 'gray'],
    ['#E00000', 'red'],
    ['#FF8C00', 'orange'],
    ['#FFF000', 'yellow'],
    ['#228B22', 'green'],
    ['#008B8B', 'teal'],
    ['#1010C0', 'blue'],
    ['#87CEEB', 'blue'],
    ['#6A0DAD', 'purple'],
    ['#FFB6C1', 'pink'],
    ['#7B3F00', 'brown'],
  ])('google names %s %s', (hex, expected) => {
    expect(name(GOOGLE_PALETTE, hex)).toBe(expected);
  });

  it.each([
    ['#808000', 'olive'],
    ['#32CD32', 'lime'],
    ['#00FFFF', 'cyan'],
    ['#ADD8E6', 'lightblue'],
    ['#000080', 'blue'],
    ['#B6B7B9', 'gray'],
  ])('cloudinary names %s %s', (hex, expected) => {
    expect(name(CLOUDINARY_PALETTE, hex)).toBe(expected);
  });

  it('uses only the documented names', () => {
    expect(new Set(GOOGLE_PALETTE.map((entry) => entry.name))).toEqual(
      new Set(['black', 'white', 'gray', 'red', 'orange', 'yellow', 'green', 'teal', 'blue', 'purple', 'pink', 'brown']),
    );
    expect(new Set(CLOUDINARY_PALETTE.map((entry) => entry.name)).size).toBe(16);
  });
});

describe('hexColour', () => {
  it.each<[number[], string]>([
    [[3, 3, 3], '#030303'],
    [[255, 171, 16.4], '#FFAB10'],
    [[0, 0, 255, 127.6], '#0000FF80'],
    [[-4, 300, 0.2], '#00FF00'],
  ])('%j → %s', (args, expected) => {
    expect(hexColour(args[0]!, args[1]!, args[2]!, args[3])).toBe(expected);
  });
});
