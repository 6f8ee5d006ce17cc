import { execFileSync } from 'node:child_process';
import { installedFontFamilies, KNOWN_FONTS, parseTextLayer } from '@rendition/transform';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { renderTextLayer } from '../../src/text/render-text.ts';

// The families fonts.ts maps Cloudinary's names to must be installed (scripts/setup.sh and the
// Dockerfile install their Debian packages): fontconfig would otherwise substitute another family
// without a word, and text layers would silently change their look.

/** Every family name fontconfig lists (a font's aliases are comma-separated). */
function fontconfigFamilies(): Set<string> {
  const listed = execFileSync('fc-list', [':', 'family'], { encoding: 'utf8' });
  return new Set(listed.split('\n').flatMap((line) => line.split(',').map((name) => name.trim())));
}

describe('the fonts text layers use', () => {
  it('are installed (fc-list lists every family fonts.ts names)', () => {
    const families = fontconfigFamilies();
    const missing = installedFontFamilies().filter((family) => !families.has(family));
    expect(
      missing,
      `install ${[...new Set(KNOWN_FONTS.filter((font) => missing.includes(font.installed)).map((font) => font.package))].join(' ')}`,
    ).toEqual([]);
  });

  it('are found by the fontconfig libvips renders with: every family draws differently (none falls back to another)', async () => {
    const sample = 'Hamburgefonstiv 0123';
    const drawings = await Promise.all(
      installedFontFamilies().map(async (family) => {
        const png = await sharp({ text: { text: `<span font_family="${family}" size="${30 * 1024}">${sample}</span>`, rgba: true, dpi: 72 } })
          .png()
          .toBuffer();
        return [family, png.toString('base64')] as const;
      }),
    );
    const byDrawing = new Map<string, string[]>();
    for (const [family, drawing] of drawings) byDrawing.set(drawing, [...(byDrawing.get(drawing) ?? []), family]);
    expect([...byDrawing.values()].filter((families) => families.length > 1)).toEqual([]);
  });

  it('draw every known family through renderTextLayer', async () => {
    for (const font of KNOWN_FONTS) {
      const { style, text } = parseTextLayer(`${font.family}_24:Abc`);
      const rendered = await renderTextLayer({ style, text, color: null, wrapWidth: null }, { maxDimension: 1000, maxPixels: 1_000_000 });
      expect(rendered.width, font.family).toBeGreaterThan(20);
    }
  });
});
