import type { Size } from '@rendition/transform';

/** Space between two images of a sprite: Cloudinary's documented example puts a 38-pixel logo at 0 and the next at -40px. */
export const SPRITE_SPACING = 2;

export type SpritePlacement = { x: number; y: number; width: number; height: number };
export type SpriteLayout = { width: number; height: number; placements: SpritePlacement[] };

/**
 * Cloudinary's layout: one column, in the images' order, each at the left edge below the previous one
 * and SPRITE_SPACING pixels apart; the sprite is as wide as the widest image.
 */
export function layoutSprite(sizes: readonly Size[]): SpriteLayout {
  let y = 0;
  const placements = sizes.map((size, index) => {
    const placement = { x: 0, y: y + (index === 0 ? 0 : SPRITE_SPACING), width: size.width, height: size.height };
    y = placement.y + size.height;
    return placement;
  });
  return { width: Math.max(0, ...sizes.map((size) => size.width)), height: y, placements };
}
