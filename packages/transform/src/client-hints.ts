/**
 * `w_auto[:<step>][:<fallback>]` and `dpr_auto` of a delivery URL, resolved from the request's Client
 * Hints before the transformation is planned, so each resolved width is a derivative of its own
 * (docs/transformations.md, "Automatic width and DPR"):
 *
 * - the width is `Sec-CH-Width` (or the older `Width`), in device pixels; without it, `Viewport-Width`
 *   (CSS pixels) × the DPR; divided by the DPR when `dpr_auto` also scales the image, so the two do not
 *   multiply each other;
 * - rounded up to a multiple of `<step>` (1 when absent), so that nearby layouts share a derivative;
 * - without any width hint, `<fallback>` when given, otherwise the parameter is dropped (the image
 *   keeps the width the rest of the transformation gives it);
 * - `dpr_auto` is `Sec-CH-DPR` (or `DPR`), rounded to one decimal, 1 without the hint.
 */

export interface ClientHints {
  /** Sec-CH-Width / Width: the image's layout width in device pixels. */
  width?: number;
  /** Sec-CH-DPR / DPR. */
  dpr?: number;
  /** Sec-CH-Viewport-Width / Viewport-Width: the window's width in CSS pixels. */
  viewportWidth?: number;
}

export interface ResolvedHints {
  transformation: string;
  /** The hints the answer depends on (for `Vary`); empty when the transformation uses none. */
  dependsOn: Array<'width' | 'dpr' | 'viewport-width'>;
}

const AUTO_WIDTH = /^w_auto(?::(\d{1,4}))?(?::(\d{1,5}))?$/;
const MAX_HINT = 10_000;

/** Resolves `w_auto…` and `dpr_auto` in a transformation's text; everything else is left as written. */
export function resolveClientHints(transformation: string, hints: ClientHints): ResolvedHints {
  if (!transformation.includes('_auto')) return { transformation, dependsOn: [] };
  const dependsOn = new Set<'width' | 'dpr' | 'viewport-width'>();
  const dprAuto = transformation.split(/[/,]/).includes('dpr_auto');
  const dpr = clampDpr(hints.dpr);
  const components = transformation.split('/').flatMap((component) => {
    const parameters = component.split(',').flatMap((parameter) => {
      if (parameter === 'dpr_auto') {
        dependsOn.add('dpr');
        return [`dpr_${dpr.toFixed(1)}`];
      }
      const auto = AUTO_WIDTH.exec(parameter);
      if (!auto) return [parameter];
      dependsOn.add('width');
      dependsOn.add('viewport-width');
      const step = Math.max(1, Number(auto[1] ?? 1));
      const width = hintedWidth(hints, dpr, dprAuto);
      if (dprAuto) dependsOn.add('dpr');
      if (width === undefined) return auto[2] === undefined ? [] : [`w_${Number(auto[2])}`];
      return [`w_${Math.ceil(width / step) * step}`];
    });
    return parameters.length > 0 ? [parameters.join(',')] : [];
  });
  return { transformation: components.join('/'), dependsOn: [...dependsOn] };
}

function hintedWidth(hints: ClientHints, dpr: number, dprAuto: boolean): number | undefined {
  const device = valid(hints.width) ?? (valid(hints.viewportWidth) === undefined ? undefined : hints.viewportWidth! * dpr);
  if (device === undefined) return undefined;
  return Math.max(1, Math.ceil(dprAuto ? device / dpr : device));
}

function valid(value: number | undefined): number | undefined {
  return value !== undefined && Number.isFinite(value) && value >= 1 && value <= MAX_HINT ? value : undefined;
}

function clampDpr(value: number | undefined): number {
  if (value === undefined || !Number.isFinite(value) || value <= 0) return 1;
  return Math.min(5, Math.max(0.1, Math.round(value * 10) / 10));
}

/** The hints of a request's headers (lower-case names, as Node gives them). */
export function clientHintsOf(headers: Record<string, string | string[] | undefined>): ClientHints {
  const number = (...names: string[]): number | undefined => {
    for (const name of names) {
      const raw = headers[name];
      const text = Array.isArray(raw) ? raw[0] : raw;
      if (text !== undefined && /^\s*\d+(?:\.\d+)?\s*$/.test(text)) return Number(text);
    }
    return undefined;
  };
  const hints: ClientHints = {};
  const width = number('sec-ch-width', 'width');
  const dpr = number('sec-ch-dpr', 'dpr');
  const viewportWidth = number('sec-ch-viewport-width', 'viewport-width');
  if (width !== undefined) hints.width = width;
  if (dpr !== undefined) hints.dpr = dpr;
  if (viewportWidth !== undefined) hints.viewportWidth = viewportWidth;
  return hints;
}

/** `Vary` names of the hints an answer depends on. */
export function varyHeaders(dependsOn: ResolvedHints['dependsOn']): string[] {
  const names: string[] = [];
  if (dependsOn.includes('width')) names.push('Sec-CH-Width', 'Width');
  if (dependsOn.includes('viewport-width')) names.push('Sec-CH-Viewport-Width', 'Viewport-Width');
  if (dependsOn.includes('dpr')) names.push('Sec-CH-DPR', 'DPR');
  return names;
}
