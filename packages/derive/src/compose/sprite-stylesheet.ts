import type { SpritePlacement } from '@rendition/media';

/** Where one image is in a sprite, as Cloudinary's `image_infos` reports it. */
export type SpriteImageInfo = { width: number; height: number; x: number; y: number };

/** `image_infos`: each public_id's place in the sprite, in the sprite's order. */
export function spriteImageInfos(publicIds: readonly string[], placements: readonly SpritePlacement[]): Record<string, SpriteImageInfo> {
  const infos: Record<string, SpriteImageInfo> = Object.create(null) as Record<string, SpriteImageInfo>;
  publicIds.forEach((publicId, index) => {
    const { width, height, x, y } = placements[index]!;
    infos[publicId] = { width, height, x, y };
  });
  return infos;
}

/**
 * The sprite's CSS in the shape of Cloudinary's documented example: one rule giving every class the
 * sprite as background, then one rule per image, its class the public_id, with its offset and size:
 *
 *     .amazon_logo, .apple_logo {
 *       background: url('…/image/sprite/v1315740225/logo.png') no-repeat;
 *     }
 *     .amazon_logo { background-position: 0px 0px; width: 162px; height: 38px; }
 *
 * A public_id that is not a CSS identifier as it is (`folder/logo`, `1st`) is escaped as CSS.escape does.
 */
export function spriteStylesheet(imageUrl: string, infos: Record<string, SpriteImageInfo>): string {
  const entries = Object.entries(infos);
  const selectors = entries.map(([publicId]) => `.${cssIdentifier(publicId)}`);
  const rules = entries.map(
    ([publicId, info]) =>
      `.${cssIdentifier(publicId)} { background-position: ${offset(info.x)} ${offset(info.y)}; width: ${info.width}px; height: ${info.height}px; }`,
  );
  return [`${selectors.join(', ')} {`, `  background: url('${cssString(imageUrl)}') no-repeat;`, '}', ...rules, ''].join('\n');
}

function offset(position: number): string {
  return position === 0 ? '0px' : `-${position}px`;
}

/** CSS.escape (CSSOM §2.1): what a public_id needs to be read back as exactly one class name. */
export function cssIdentifier(name: string): string {
  let out = '';
  const characters = [...name];
  characters.forEach((character, index) => {
    const code = character.codePointAt(0)!;
    if (code === 0) out += '\uFFFD';
    else if ((code >= 0x01 && code <= 0x1f) || code === 0x7f) out += `\\${code.toString(16)} `;
    else if (index === 0 && code >= 0x30 && code <= 0x39) out += `\\${code.toString(16)} `;
    else if (index === 1 && code >= 0x30 && code <= 0x39 && characters[0] === '-') out += `\\${code.toString(16)} `;
    else if (index === 0 && character === '-' && characters.length === 1) out += '\\-';
    else if (code >= 0x80 || character === '-' || character === '_' || /[0-9A-Za-z]/.test(character)) out += character;
    else out += `\\${character}`;
  });
  return out;
}

/** The URL inside `url('…')`: our own URL, percent-encoded already; quotes and backslashes escaped all the same. */
function cssString(text: string): string {
  return text.replace(/[\\']/g, (character) => `\\${character}`).replace(/[\n\r]/g, '');
}
