import { parseColor } from './color.ts';
import { transformErrors } from './messages.ts';
import { OUTLINE_MODES, type Color, type Effect, type OutlineMode, type TintColor } from './plan.ts';

// The image effects of `e_` (the video ones are parse-parameter.ts'): `name[:arg[:arg…]]` → one typed
// Effect with every value resolved (Cloudinary's server default when the URL gave none), and the
// canonical text back, which omits what equals the default so `e_vignette` and `e_vignette:20` are one
// derivative. Ranges and defaults are Cloudinary's (the SDKs' documentation of each action: "Range: 0 to
// 100, Server default: 40"); where Cloudinary documents none, the choice is marked [GUESS] here and in
// docs/compatibility.md ("Effects, issue 19"). Anything else is `Invalid effect - <value>` (400).

export type EffectRule = { min: number; max: number; default: number };

/** The effects that take one integer (`e_<name>[:<value>]`). */
export type LevelEffectName = Extract<Effect, { value: number }>['name'];

/** Range and default of each one-value effect. */
export const EFFECT_RULES: Readonly<Record<LevelEffectName, EffectRule>> = {
  blackwhite: { min: 0, max: 100, default: 50 },
  sepia: { min: 1, max: 100, default: 80 },
  blur: { min: 1, max: 2000, default: 100 },
  sharpen: { min: 1, max: 2000, default: 100 },
  brightness: { min: -99, max: 100, default: 80 },
  contrast: { min: -100, max: 100, default: 0 },
  saturation: { min: -100, max: 100, default: 80 },
  pixelate: { min: 1, max: 200, default: 5 },
  shadow: { min: 0, max: 100, default: 40 },
  colorize: { min: 0, max: 100, default: 100 },
  vignette: { min: 0, max: 100, default: 20 },
  unsharp_mask: { min: 1, max: 2000, default: 100 },
  gamma: { min: -50, max: 150, default: 0 },
  oil_paint: { min: 0, max: 100, default: 30 },
  auto_brightness: { min: 0, max: 100, default: 100 },
  auto_contrast: { min: 0, max: 100, default: 100 },
  auto_color: { min: 0, max: 100, default: 100 },
};

/** The values of the effects with several parts. */
export const EFFECT_PART_RULES = {
  trimTolerance: { min: 0, max: 100, default: 10 },
  outlineWidth: { min: 1, max: 100, default: 5 },
  outlineBlur: { min: 0, max: 2000, default: 0 },
  tintAmount: { min: 0, max: 100, default: 60 },
  tintPosition: { min: 0, max: 100, default: 0 },
  /** [GUESS] Cloudinary documents the default (50, a radius in Lab) but no range. */
  replaceTolerance: { min: 0, max: 100, default: 50 },
  gradientFadeStrength: { min: 0, max: 100, default: 20 },
  improveBlend: { min: 0, max: 100, default: 100 },
  cartoonifyLine: { min: 0, max: 100, default: 50 },
  cartoonifyReduction: { min: 0, max: 100, default: 0 },
} as const satisfies Record<string, EffectRule>;

/** Most colours one `e_tint` blends (Cloudinary: color1 … color10). */
export const MAX_TINT_COLORS = 10;
/** `e_tint` without a colour tints red (Cloudinary's default). */
export const DEFAULT_TINT_COLOR = 'red';

const LEVEL_EFFECTS: ReadonlySet<string> = new Set(Object.keys(EFFECT_RULES));
const SIGNED_INT = /^-?\d+$/;
const UNSIGNED_INT = /^\d+$/;
const POSITION = /^(\d+)p$/;
const BARE_HEX = /^(?:[0-9a-f]{3}|[0-9a-f]{6}|[0-9a-f]{8})$/i;

/** The image effect names this file parses, in the order docs list them. */
export const IMAGE_EFFECT_NAMES: readonly string[] = [
  'grayscale',
  'negate',
  ...Object.keys(EFFECT_RULES),
  'trim',
  'outline',
  'tint',
  'replace_color',
  'gradient_fade',
  'improve',
  'cartoonify',
];

/**
 * An effect's arguments split at `:`. A colour may be written `rgb:ff0000` inside an effect too (the
 * SDK writes bare hex, `ff0000`): `rgb` and the hex after it are one argument.
 */
function argumentsOf(text: string | undefined): string[] {
  if (text === undefined) return [];
  const parts = text.split(':');
  const merged: string[] = [];
  for (let index = 0; index < parts.length; index += 1) {
    const part = parts[index]!;
    if (part.toLowerCase() === 'rgb' && index + 1 < parts.length) {
      merged.push(`rgb:${parts[index + 1]!}`);
      index += 1;
    } else merged.push(part);
  }
  return merged;
}

/**
 * Parses one image effect (`vignette:30`, `trim:10:white`, `tint:equalize:80:red:20p:blue`). `whole` is
 * the `e_` value as given, for the message. Throws `Invalid effect - <whole>` (400) on anything else.
 */
export function parseImageEffect(whole: string): Effect {
  const colon = whole.indexOf(':');
  const name = colon === -1 ? whole : whole.slice(0, colon);
  const args = argumentsOf(colon === -1 ? undefined : whole.slice(colon + 1));
  const invalid = () => transformErrors.invalidEffect(whole);
  const int = (text: string, rule: EffectRule): number => {
    const n = Number(text);
    if (!SIGNED_INT.test(text) || !Number.isSafeInteger(n) || n < rule.min || n > rule.max) throw invalid();
    // `-0` is 0: the canonical text writes it `0`.
    return n === 0 ? 0 : n;
  };
  /** An optional integer: absent or '' (the SDK writes `trim::yellow` for a colour without tolerance) is the default. */
  const optionalInt = (text: string | undefined, rule: EffectRule): number => (text === undefined || text === '' ? rule.default : int(text, rule));
  const color = (text: string | undefined): Color => {
    if (text === undefined || text === '') throw invalid();
    try {
      return parseColor(BARE_HEX.test(text) ? `rgb:${text}` : text);
    } catch {
      throw invalid();
    }
  };
  const atMost = (count: number): void => {
    if (args.length > count) throw invalid();
  };

  if (name === 'grayscale' || name === 'negate') {
    atMost(0);
    return { name };
  }
  if (LEVEL_EFFECTS.has(name)) {
    atMost(1);
    const level = name as LevelEffectName;
    if (args[0] === '') throw invalid();
    return { name: level, value: optionalInt(args[0], EFFECT_RULES[level]) };
  }
  switch (name) {
    case 'trim': {
      atMost(2);
      if (args.length === 1 && args[0] === '') throw invalid();
      return {
        name,
        tolerance: optionalInt(args[0], EFFECT_PART_RULES.trimTolerance),
        color: args[1] === undefined ? null : color(args[1]),
      };
    }
    case 'outline': {
      atMost(3);
      const rest = [...args];
      const mode = rest[0] !== undefined && (OUTLINE_MODES as readonly string[]).includes(rest[0]) ? (rest.shift() as OutlineMode) : null;
      if (rest.length > 2 || rest.some((part) => part === '')) throw invalid();
      return {
        name,
        mode,
        width: optionalInt(rest[0], EFFECT_PART_RULES.outlineWidth),
        blur: optionalInt(rest[1], EFFECT_PART_RULES.outlineBlur),
      };
    }
    case 'tint':
      return parseTint(args, int, color, invalid);
    case 'replace_color': {
      if (args.length < 1) throw invalid();
      atMost(3);
      const to = color(args[0]);
      let tolerance: number = EFFECT_PART_RULES.replaceTolerance.default;
      let from: Color | null = null;
      if (args.length === 2) {
        // Two parts: a number is the tolerance, anything else the colour to replace (a colour written
        // with digits only must follow an explicit tolerance, as the canonical text always writes it).
        if (UNSIGNED_INT.test(args[1]!)) tolerance = int(args[1]!, EFFECT_PART_RULES.replaceTolerance);
        else from = color(args[1]);
      } else if (args.length === 3) {
        tolerance = optionalInt(args[1], EFFECT_PART_RULES.replaceTolerance);
        from = color(args[2]);
      }
      return { name, to, tolerance, from };
    }
    case 'gradient_fade': {
      atMost(2);
      const rest = [...args];
      const mode = rest[0] === 'symmetric' || rest[0] === 'symmetric_pad' ? rest.shift()! : null;
      if (rest.length > 1 || rest[0] === '') throw invalid();
      return { name, mode: mode as 'symmetric' | 'symmetric_pad' | null, strength: optionalInt(rest[0], EFFECT_PART_RULES.gradientFadeStrength) };
    }
    case 'improve': {
      atMost(2);
      const rest = [...args];
      const mode = rest[0] === 'outdoor' || rest[0] === 'indoor' ? (rest.shift() as 'outdoor' | 'indoor') : 'outdoor';
      if (rest.length > 1 || rest[0] === '') throw invalid();
      return { name, mode, blend: optionalInt(rest[0], EFFECT_PART_RULES.improveBlend) };
    }
    case 'cartoonify': {
      atMost(2);
      if (args.some((part) => part === '')) throw invalid();
      const reduction = args[1];
      return {
        name,
        lineStrength: optionalInt(args[0], EFFECT_PART_RULES.cartoonifyLine),
        colorReduction: reduction === undefined ? null : reduction === 'bw' ? 'bw' : int(reduction, EFFECT_PART_RULES.cartoonifyReduction),
      };
    }
    default:
      throw invalid();
  }
}

/** `tint[:equalize][:amount][:color[:<n>p]]…`: the amount is the first plain number; colours follow, each with an optional position. */
function parseTint(
  args: readonly string[],
  int: (text: string, rule: EffectRule) => number,
  color: (text: string | undefined) => Color,
  invalid: () => Error,
): Effect {
  let index = 0;
  const equalize = args[0] === 'equalize';
  if (equalize) index += 1;
  let amount: number = EFFECT_PART_RULES.tintAmount.default;
  if (index < args.length && UNSIGNED_INT.test(args[index]!)) {
    amount = int(args[index]!, EFFECT_PART_RULES.tintAmount);
    index += 1;
  }
  const colors: TintColor[] = [];
  let previous = -1;
  while (index < args.length) {
    const tint = color(args[index]);
    index += 1;
    let position: number | null = null;
    const match = index < args.length ? POSITION.exec(args[index]!) : null;
    if (match !== null) {
      position = int(match[1]!, EFFECT_PART_RULES.tintPosition);
      // Positions place the colours along the gradient, so they may not go backwards.
      if (position < previous) throw invalid();
      previous = position;
      index += 1;
    }
    colors.push({ color: tint, position });
  }
  if (colors.length > MAX_TINT_COLORS) throw invalid();
  if (colors.length === 0) colors.push({ color: parseColor(DEFAULT_TINT_COLOR), position: null });
  return { name: 'tint', equalize, amount, colors };
}

/** A colour inside an effect's value: a name, or bare hex (`rgb:` would read as two arguments). */
const colorText = (color: Color): string => (color.text.startsWith('rgb:') ? color.text.slice('rgb:'.length) : color.text);

const isDefaultTint = (colors: readonly TintColor[]): boolean =>
  colors.length === 1 && colors[0]!.position === null && colors[0]!.color.text === DEFAULT_TINT_COLOR;

/** The canonical `e_` value of an image effect: defaults omitted, but never so that a later part would shift position. */
export function canonicalEffect(effect: Effect): string {
  switch (effect.name) {
    case 'grayscale':
    case 'negate':
      return effect.name;
    case 'trim': {
      if (effect.color !== null) return `trim:${effect.tolerance}:${colorText(effect.color)}`;
      return effect.tolerance === EFFECT_PART_RULES.trimTolerance.default ? 'trim' : `trim:${effect.tolerance}`;
    }
    case 'outline': {
      const parts: (string | number)[] = ['outline'];
      if (effect.mode !== null) parts.push(effect.mode);
      const blurred = effect.blur !== EFFECT_PART_RULES.outlineBlur.default;
      if (blurred || effect.width !== EFFECT_PART_RULES.outlineWidth.default) parts.push(effect.width);
      if (blurred) parts.push(effect.blur);
      return parts.join(':');
    }
    case 'tint': {
      const parts: (string | number)[] = ['tint'];
      if (effect.equalize) parts.push('equalize');
      const colored = !isDefaultTint(effect.colors);
      // With colours, the amount is always written: a colour spelled with digits only must not read as it.
      if (colored || effect.amount !== EFFECT_PART_RULES.tintAmount.default) parts.push(effect.amount);
      if (colored) {
        for (const { color, position } of effect.colors) {
          parts.push(colorText(color));
          if (position !== null) parts.push(`${position}p`);
        }
      }
      return parts.join(':');
    }
    case 'replace_color': {
      const parts: (string | number)[] = ['replace_color', colorText(effect.to)];
      if (effect.from !== null || effect.tolerance !== EFFECT_PART_RULES.replaceTolerance.default) parts.push(effect.tolerance);
      if (effect.from !== null) parts.push(colorText(effect.from));
      return parts.join(':');
    }
    case 'gradient_fade': {
      const parts: (string | number)[] = ['gradient_fade'];
      if (effect.mode !== null) parts.push(effect.mode);
      if (effect.strength !== EFFECT_PART_RULES.gradientFadeStrength.default) parts.push(effect.strength);
      return parts.join(':');
    }
    case 'improve': {
      const parts: (string | number)[] = ['improve'];
      if (effect.mode !== 'outdoor') parts.push(effect.mode);
      if (effect.blend !== EFFECT_PART_RULES.improveBlend.default) parts.push(effect.blend);
      return parts.join(':');
    }
    case 'cartoonify': {
      const parts: (string | number)[] = ['cartoonify'];
      if (effect.colorReduction !== null || effect.lineStrength !== EFFECT_PART_RULES.cartoonifyLine.default) parts.push(effect.lineStrength);
      if (effect.colorReduction !== null) parts.push(effect.colorReduction);
      return parts.join(':');
    }
    default:
      return effect.value === EFFECT_RULES[effect.name].default ? effect.name : `${effect.name}:${effect.value}`;
  }
}
