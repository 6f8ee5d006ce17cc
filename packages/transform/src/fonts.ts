// The font families a text layer (`l_text:<family>_<size>:…`) may name, and the installed family that
// draws each. A closed list on purpose: fontconfig silently substitutes a missing family, so an open
// list would make the output depend on whatever else a machine happens to have installed. A family not
// listed here is the client's 400 (text-layer.ts), never a silent substitution.

/** A Debian package that provides installed families (scripts/setup.sh and the Dockerfile install them). */
export type FontPackage = 'fonts-liberation2' | 'fonts-dejavu-core' | 'fonts-open-sans' | 'fonts-roboto-unhinted';

export type KnownFont = {
  /** Cloudinary's spelling: what the canonical string carries (`Times New Roman`). */
  family: string;
  /** The fontconfig family that draws it (a Pango `font_family`). */
  installed: string;
  /** Where `installed` comes from. */
  package: FontPackage;
  /**
   * `metric`: the same glyph widths as the named font (Liberation for Arial, Times New Roman, Courier
   * New), so line breaks and sizes match. `same`: the named font itself. `substitute`: a look-alike
   * with other widths (text comes out somewhat wider or narrower than on Cloudinary).
   */
  match: 'same' | 'metric' | 'substitute';
};

export const KNOWN_FONTS: readonly KnownFont[] = [
  { family: 'Arial', installed: 'Liberation Sans', package: 'fonts-liberation2', match: 'metric' },
  { family: 'Helvetica', installed: 'Liberation Sans', package: 'fonts-liberation2', match: 'metric' },
  { family: 'Liberation Sans', installed: 'Liberation Sans', package: 'fonts-liberation2', match: 'same' },
  { family: 'Times New Roman', installed: 'Liberation Serif', package: 'fonts-liberation2', match: 'metric' },
  { family: 'Times', installed: 'Liberation Serif', package: 'fonts-liberation2', match: 'metric' },
  { family: 'Liberation Serif', installed: 'Liberation Serif', package: 'fonts-liberation2', match: 'same' },
  { family: 'Courier New', installed: 'Liberation Mono', package: 'fonts-liberation2', match: 'metric' },
  { family: 'Courier', installed: 'Liberation Mono', package: 'fonts-liberation2', match: 'metric' },
  { family: 'Liberation Mono', installed: 'Liberation Mono', package: 'fonts-liberation2', match: 'same' },
  // Verdana and DejaVu Sans (from Bitstream Vera) are both wide humanist sans faces; Georgia and DejaVu
  // Serif both wide serifs. Trebuchet MS and Tahoma have no free look-alike installed: DejaVu Sans.
  { family: 'Verdana', installed: 'DejaVu Sans', package: 'fonts-dejavu-core', match: 'substitute' },
  { family: 'Tahoma', installed: 'DejaVu Sans', package: 'fonts-dejavu-core', match: 'substitute' },
  { family: 'Trebuchet MS', installed: 'DejaVu Sans', package: 'fonts-dejavu-core', match: 'substitute' },
  { family: 'Georgia', installed: 'DejaVu Serif', package: 'fonts-dejavu-core', match: 'substitute' },
  { family: 'DejaVu Sans', installed: 'DejaVu Sans', package: 'fonts-dejavu-core', match: 'same' },
  { family: 'DejaVu Serif', installed: 'DejaVu Serif', package: 'fonts-dejavu-core', match: 'same' },
  { family: 'DejaVu Sans Mono', installed: 'DejaVu Sans Mono', package: 'fonts-dejavu-core', match: 'same' },
  { family: 'Open Sans', installed: 'Open Sans', package: 'fonts-open-sans', match: 'same' },
  { family: 'Roboto', installed: 'Roboto', package: 'fonts-roboto-unhinted', match: 'same' },
  { family: 'Roboto Condensed', installed: 'Roboto Condensed', package: 'fonts-roboto-unhinted', match: 'same' },
];

/** Case and runs of white space do not matter: `arial`, `ARIAL` and `times  new roman` name fonts. */
function fontKey(name: string): string {
  return name.trim().replace(/\s+/g, ' ').toLowerCase();
}

const BY_KEY: ReadonlyMap<string, KnownFont> = new Map(KNOWN_FONTS.map((font) => [fontKey(font.family), font]));

/** The known font `name` names (case-insensitive), or undefined. */
export function findFont(name: string): KnownFont | undefined {
  return BY_KEY.get(fontKey(name));
}

/** Every installed family the known fonts need (what a machine must have for text layers to render as documented). */
export function installedFontFamilies(): string[] {
  return [...new Set(KNOWN_FONTS.map((font) => font.installed))];
}
