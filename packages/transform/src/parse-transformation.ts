import { transformErrors } from './messages.ts';
import { applyLayerParameter, chainStep, foldLayers, type ChainStep } from './parse-layer.ts';
import { applyParameter, isSupportedKey, UNSUPPORTED_KEYS } from './parse-parameter.ts';
import type { TransformationPlan } from './plan.ts';

// The grammar (spec: cloudinary-reference.md §6.1):
//   eager_list := chain ( "|" chain )*
//   chain      := component ( "/" component )* [ "/" ext ]      ext only in eager lists
//   component  := param ( "," param )*
//   param      := key "_" value                                 the FIRST "_" splits

/** Longest transformation text accepted (a whole eager list counts once). */
export const MAX_TRANSFORMATION_LENGTH = 4096;
/** Most components one chain may have, before and after named transformations are expanded. */
export const MAX_COMPONENTS = 100;

const PERCENT_ESCAPE = /%[0-9A-Fa-f]{2}/;
const EXTENSION = /^[a-z0-9]{1,10}$/i;

/** Percent-decodes text that still carries escapes (`w_100%2Ch_50`); already-decoded text passes as is. */
export function decodeTransformation(text: string): string {
  if (text.length > MAX_TRANSFORMATION_LENGTH) throw transformErrors.tooLong(MAX_TRANSFORMATION_LENGTH);
  if (!PERCENT_ESCAPE.test(text)) return text;
  try {
    return decodeURIComponent(text);
  } catch {
    throw transformErrors.badEncoding(text);
  }
}

function parseComponent(text: string, whole: string): ChainStep {
  if (text === '') throw transformErrors.emptyComponent(whole);
  const step = chainStep(text);
  for (const param of text.split(',')) {
    const underscore = param.indexOf('_');
    if (underscore <= 0 || underscore === param.length - 1) throw transformErrors.invalidComponent(text);
    const key = param.slice(0, underscore);
    const value = param.slice(underscore + 1);
    // l_, u_ and the layer flags of fl_ concern layers, which span components (parse-layer.ts).
    if (applyLayerParameter(step, key, value)) continue;
    if (isSupportedKey(key)) applyParameter(step.component, key, value);
    else if (UNSUPPORTED_KEYS.has(key) || key.startsWith('$')) throw transformErrors.unsupportedParameter(param);
    else throw transformErrors.unknownParameter(param);
  }
  return step;
}

function parseChain(parts: readonly string[], whole: string): TransformationPlan {
  if (parts.length > MAX_COMPONENTS) throw transformErrors.tooManyComponents(MAX_COMPONENTS);
  return { components: foldLayers(parts.map((part) => parseComponent(part, whole))) };
}

/**
 * Parses one transformation (`w_100,h_50,c_fill/a_90`): components by `/`, parameters by `,`.
 * `''` is the identity plan. Throws ApiError(400) naming the first bad component or parameter.
 * A parameter repeated inside one component keeps its last value (Cloudinary does the same).
 */
export function parseTransformation(text: string): TransformationPlan {
  const decoded = decodeTransformation(text);
  if (decoded === '') return { components: [] };
  return parseChain(decoded.split('/'), decoded);
}

export type EagerItem = {
  plan: TransformationPlan;
  /** The trailing bare extension (`…/jpg` → 'jpg', lowercased); '' for a trailing `/`; absent when none. */
  formatSuffix?: string;
  /** The item exactly as requested (after percent-decoding), `/ext` included: what responses echo. */
  requested: string;
};

/**
 * Parses an `eager` list: items separated by `|`, each a transformation with an optional trailing
 * `/<ext>` (the derivative's format). `/jpg` alone is the identity plan delivered as jpg. The SDK's
 * object/array form reaches the server already serialized to this string (`build_eager`).
 */
export function parseEagerList(text: string): EagerItem[] {
  const decoded = decodeTransformation(text);
  return decoded.split('|').map((requested): EagerItem => {
    if (requested === '') throw transformErrors.emptyEagerItem(decoded);
    const parts = requested.split('/');
    const last = parts[parts.length - 1]!;
    if (parts.length > 1 && last === '') return { plan: chainOrIdentity(parts.slice(0, -1), requested), formatSuffix: '', requested };
    if (!last.includes('_') && EXTENSION.test(last)) {
      if (parts.length === 1) throw transformErrors.invalidComponent(last);
      return { plan: chainOrIdentity(parts.slice(0, -1), requested), formatSuffix: last.toLowerCase(), requested };
    }
    return { plan: parseChain(parts, requested), requested };
  });
}

/** `/jpg` splits into ['', 'jpg']: an empty chain before the suffix is the identity, not an empty component. */
function chainOrIdentity(parts: readonly string[], whole: string): TransformationPlan {
  if (parts.length === 1 && parts[0] === '') return { components: [] };
  return parseChain(parts, whole);
}
