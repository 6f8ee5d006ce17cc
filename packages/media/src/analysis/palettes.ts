import { deltaE, srgbToLab } from './colour-space.ts';
import type { Lab } from './colour-space.ts';

/** Colour names, each with one or more sRGB prototypes; a colour takes the name of its nearest prototype in Lab. */
export type Palette = ReadonlyArray<{ name: string; lab: Lab }>;

function palette(entries: Record<string, string[]>): Palette {
  return Object.entries(entries).flatMap(([name, hexes]) =>
    hexes.map((hex) => ({ name, lab: srgbToLab(parseInt(hex.slice(1, 3), 16), parseInt(hex.slice(3, 5), 16), parseInt(hex.slice(5, 7), 16)) })),
  );
}

/**
 * `predominant.google`: the twelve names Google's image search filters by. The prototypes are
 * Rendition's (several per name, so light and dark shades land on the name a person would use).
 */
export const GOOGLE_PALETTE: Palette = palette({
  black: ['#000000', '#1E1E1E'],
  white: ['#FFFFFF', '#F0F0F0'],
  gray: ['#808080', '#A9A9A9', '#5A5A5A', '#C4C4C4'],
  red: ['#FF0000', '#C81E1E', '#8B0000'],
  orange: ['#FFA500', '#FF7F00', '#E67E22'],
  yellow: ['#FFFF00', '#F0DC50', '#FFD700'],
  green: ['#008000', '#00FF00', '#6B8E23', '#90EE90', '#2E8B57', '#556B2F'],
  teal: ['#008080', '#40E0D0', '#00CED1', '#00FFFF'],
  blue: ['#0000FF', '#0000CD', '#000080', '#4169E1', '#87CEEB', '#1E90FF', '#ADD8E6'],
  purple: ['#800080', '#8A2BE2', '#9370DB', '#4B0082'],
  pink: ['#FFC0CB', '#FF69B4', '#FF1493', '#DB7093'],
  brown: ['#A52A2A', '#8B4513', '#D2B48C', '#6F4E37', '#A0522D'],
});

/**
 * `predominant.cloudinary`: Cloudinary's own palette is not documented; this is Rendition's finer
 * one, sixteen names (Google's less teal's neighbours merged, plus olive, lime, cyan and lightblue),
 * each with its CSS colour and a few shades as prototypes.
 */
export const CLOUDINARY_PALETTE: Palette = palette({
  black: ['#000000', '#1E1E1E'],
  gray: ['#808080', '#A9A9A9', '#5A5A5A', '#C4C4C4'],
  white: ['#FFFFFF', '#F0F0F0'],
  red: ['#FF0000', '#C81E1E', '#8B0000'],
  orange: ['#FFA500', '#FF7F00'],
  brown: ['#A52A2A', '#8B4513', '#5C4033', '#D2B48C'],
  yellow: ['#FFFF00', '#FFD700'],
  olive: ['#808000', '#6B8E23', '#556B2F', '#BDB76B'],
  lime: ['#00FF00', '#32CD32', '#ADFF2F'],
  green: ['#008000', '#2E8B57', '#006400', '#90EE90'],
  teal: ['#008080', '#20B2AA'],
  cyan: ['#00FFFF', '#40E0D0'],
  lightblue: ['#ADD8E6', '#87CEEB', '#87CEFA'],
  blue: ['#0000FF', '#0000CD', '#000080', '#4169E1', '#1E90FF'],
  purple: ['#800080', '#8A2BE2', '#9370DB', '#4B0082'],
  pink: ['#FFC0CB', '#FF69B4', '#FF1493'],
});

/** The name of the prototype nearest to `lab`. */
export function nearestName(palette: Palette, lab: Lab): string {
  let best = '';
  let bestDistance = Infinity;
  for (const entry of palette) {
    const distance = deltaE(entry.lab, lab);
    if (distance < bestDistance) {
      bestDistance = distance;
      best = entry.name;
    }
  }
  return best;
}
