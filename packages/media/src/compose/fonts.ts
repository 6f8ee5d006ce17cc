/**
 * Font families the text renderer uses: the ones scripts/setup.sh installs (LibreOffice's Liberation
 * fonts, metric-compatible with Arial, Times New Roman and Courier New; and DejaVu). Cloudinary's
 * family names map to them; any other name falls back to DEFAULT_FONT_FAMILY, so an unknown font never
 * depends on what else fontconfig happens to find on a machine.
 */
export const DEFAULT_FONT_FAMILY = 'DejaVu Sans';

const INSTALLED = ['Liberation Sans', 'Liberation Serif', 'Liberation Mono', 'DejaVu Sans', 'DejaVu Serif', 'DejaVu Sans Mono'] as const;

/** Lowercased names (spaces, `-` and `_` removed) → an installed family. */
const ALIASES: ReadonlyMap<string, string> = new Map([
  ...INSTALLED.map((family): [string, string] => [key(family), family]),
  ['arial', 'Liberation Sans'],
  ['helvetica', 'Liberation Sans'],
  ['helveticaneue', 'Liberation Sans'],
  ['sansserif', 'Liberation Sans'],
  ['timesnewroman', 'Liberation Serif'],
  ['times', 'Liberation Serif'],
  ['serif', 'Liberation Serif'],
  ['couriernew', 'Liberation Mono'],
  ['courier', 'Liberation Mono'],
  ['monospace', 'Liberation Mono'],
  ['verdana', 'DejaVu Sans'],
  ['tahoma', 'DejaVu Sans'],
  ['trebuchetms', 'DejaVu Sans'],
  ['georgia', 'DejaVu Serif'],
  ['dejavusansmono', 'DejaVu Sans Mono'],
]);

function key(name: string): string {
  return name.toLowerCase().replace(/[\s_-]+/g, '');
}

/** The installed family that renders `requested` (Cloudinary's `font_family`). */
export function resolveFontFamily(requested: string): string {
  return ALIASES.get(key(requested)) ?? DEFAULT_FONT_FAMILY;
}
