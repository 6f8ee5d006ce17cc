import { ApiError } from '@rendition/protocol';
import { formatDecimal } from '../canonical.ts';
import { outputSettings } from '../output-settings.ts';
import { decodeTransformation, parseTransformation } from '../parse-transformation.ts';
import { projectAssetPlan, type Size } from '../project-size.ts';
import { buildTree, readChain, type ChainComponent, type ChainNode, type Parameter } from './chain.ts';
import { ExpressionProblem, expressionErrors } from './errors.ts';
import { evaluateCondition, evaluateExpression, toNumber, type Scope, type Value } from './evaluate.ts';
import { isVariableName, looksLikeExpression, parseCondition, parseExpression, variablesOf, type Condition, type Predefined } from './syntax.ts';

// Conditionals (`if_…/…/if_else/…/if_end`), user variables (`$name_<value>`) and arithmetic
// expressions (`w_iw_div_2`) are resolved against the asset BEFORE the transformation is parsed: what
// comes out is a plain transformation (no `if_`, no `$`, numbers where expressions were) that
// parseTransformation reads like any other, so the size projection bounds every step before a pixel is
// computed, and the canonical string and hash are those of what is actually done. A derivative keyed
// by it therefore changes when the tags or context a condition reads change.

/** What the resolver knows of the asset: an AssetRecord has every field. */
export interface ExpressionContext {
  /** Stored width and height (a PDF's are page 1's, in points); null when not known (audio, unprobed). */
  width: number | null;
  height: number | null;
  pages: number | null;
  tags: readonly string[];
  context: Readonly<Record<string, string>>;
  /** Structured metadata by external_id (string, number or list of strings). */
  metadata: Readonly<Record<string, unknown>>;
  format: string | null;
}

/** Numeric parameters whose value may be an expression, and how a computed value is written. */
const INTEGER_KEYS: ReadonlySet<string> = new Set(['w', 'h', 'x', 'y', 'o', 'q', 'r', 'a', 'e', 'pg', 'dn', 'dl']);
const DECIMAL_KEYS: ReadonlySet<string> = new Set(['ar', 'dpr', 'z', 'so', 'eo', 'du', 'ki']);
const isNumericKey = (key: string): boolean => INTEGER_KEYS.has(key) || DECIMAL_KEYS.has(key);

/** Keys whose plain values are checked one by one before anything is evaluated (not the layer keys, which span components). */
const LAYER_KEYS: ReadonlySet<string> = new Set(['l', 'u', 'fl']);

/** `$(name)` inside a value (the SDK writes text-layer variables so). */
const INTERPOLATION = /\$\(([A-Za-z][A-Za-z0-9]*)\)/g;
const WHOLE_INTERPOLATION = /^\$\(([A-Za-z][A-Za-z0-9]*)\)$/;
const HAS_INTERPOLATION = /\$\([A-Za-z][A-Za-z0-9]*\)/;

/** No limit: the projection here only measures w/h; planDerivative bounds the resolved plan afterwards. */
const UNBOUNDED = { maxDimension: Number.POSITIVE_INFINITY, maxPixels: Number.POSITIVE_INFINITY };

/** Percent-decodes exactly as parseTransformation does (same limits, same 400s). */
const decode = decodeTransformation;

/**
 * Decoded text in the form parseTransformation decodes back to itself: every `%` escaped. The resolved
 * text is parsed after this resolver decoded it once; escaping keeps it from being decoded twice.
 */
export const escapePercent = (decoded: string): string => decoded.replace(/%/g, '%25');

/** The numeric parts of a value: `r_10:20` and `a_90.hflip` have several, `e_blur:300` those after the name. */
function numericParts(key: string, value: string): { prefix: string; parts: string[]; separator: string } {
  if (key === 'r') return { prefix: '', parts: value.split(':'), separator: ':' };
  if (key === 'a') return { prefix: '', parts: value.split('.'), separator: '.' };
  if (key === 'e') {
    const colon = value.indexOf(':');
    return colon === -1
      ? { prefix: value, parts: [], separator: ':' }
      : { prefix: `${value.slice(0, colon)}:`, parts: value.slice(colon + 1).split(':'), separator: ':' };
  }
  return { prefix: '', parts: [value], separator: '' };
}

function hasExpressionsDecoded(decoded: string): boolean {
  if (decoded.includes('$')) return true;
  // `|` too: an eager list's items.
  for (const component of decoded.split(/[/|]/)) {
    for (const parameter of component.split(',')) {
      const underscore = parameter.indexOf('_');
      if (underscore <= 0) continue;
      const key = parameter.slice(0, underscore);
      if (key === 'if') return true;
      if (isNumericKey(key) && numericParts(key, parameter.slice(underscore + 1)).parts.some(looksLikeExpression)) return true;
    }
  }
  return false;
}

/**
 * Whether the transformation has anything to resolve: an `if_` parameter, a `$` (a variable, its use,
 * or `$(name)` in a text layer), or an expression as the value of a numeric parameter (`w_iw_div_2`).
 * Cheap; a plain transformation never needs the asset.
 */
export function hasExpressions(text: string): boolean {
  let decoded: string;
  try {
    decoded = decode(text);
  } catch {
    decoded = text;
  }
  return hasExpressionsDecoded(decoded);
}

/** ExpressionProblem → the 400 of the parameter or condition it came from; anything else passes. */
function within<T>(refusal: (reason: string) => ApiError, work: () => T): T {
  try {
    return work();
  } catch (error) {
    if (error instanceof ExpressionProblem) throw refusal(error.message);
    throw error;
  }
}

const conditionRefusal = (condition: string) => (reason: string) => expressionErrors.condition(condition, reason);
const parameterRefusal = (parameter: Parameter) => (reason: string) => expressionErrors.expression(parameter.text, reason);

/** The chain read, paired and checked without the asset (shared by validate and resolve). */
function readAndCheck(decoded: string): ChainNode[] {
  const components = readChain(decoded);
  const tree = buildTree(components);
  checkStatically(components);
  return tree;
}

/**
 * Every check that needs no asset, in the order of the text: each condition and expression parses,
 * each variable is assigned somewhere before it is read, and each plain parameter is valid on its own
 * (so a typo in a branch not taken is a 400 for every asset, not only for those that take it).
 */
function checkStatically(components: readonly ChainComponent[]): void {
  const assigned = new Set<string>();
  const requireAssigned = (names: readonly string[], refusal: (reason: string) => ApiError): void => {
    for (const name of names) if (!assigned.has(name)) throw refusal(`variable ${name} is not defined (assign it first: ${name}_<value>)`);
  };
  for (const component of components) {
    if (component.branch?.kind === 'if') {
      const { condition } = component.branch;
      const refusal = conditionRefusal(condition);
      requireAssigned(variablesOf(within(refusal, () => parseCondition(condition))), refusal);
    }
    for (const assignment of component.assignments) {
      const refusal = parameterRefusal(assignment);
      requireAssigned(variablesOf(within(refusal, () => parseExpression(assignment.value))), refusal);
      assigned.add(assignment.key);
    }
    for (const parameter of component.parameters) {
      const refusal = parameterRefusal(parameter);
      const { key, value } = parameter;
      if (isNumericKey(key) && numericParts(key, value).parts.some(looksLikeExpression)) {
        for (const part of numericParts(key, value).parts) {
          if (looksLikeExpression(part)) requireAssigned(variablesOf(within(refusal, () => parseExpression(part))), refusal);
        }
        continue;
      }
      // `$name` as the whole value must be assigned; `$(name)` inside one (a text layer's text) is
      // replaced when assigned and otherwise stays as written, so resolution happens later.
      const whole = isVariableName(value) ? value : WHOLE_INTERPOLATION.exec(value)?.[1];
      if (whole !== undefined) {
        requireAssigned([whole.startsWith('$') ? whole : `$${whole}`], refusal);
        continue;
      }
      if (HAS_INTERPOLATION.test(value)) continue;
      if (!LAYER_KEYS.has(key)) parseTransformation(escapePercent(parameter.text));
    }
  }
}

/**
 * Checks a transformation's conditionals, variables and expressions without the asset, as intake does
 * for an eager item (the asset is not known yet): throws the 400 a malformed one gets (unpaired
 * `if_else`/`if_end`, a condition or expression that does not parse, a variable read before any
 * assignment, a bad plain parameter). Whatever passes here resolves for some asset; what it resolves
 * to (and a division by zero, a string where a number belongs) is only known with the asset.
 */
export function validateExpressions(text: string): void {
  readAndCheck(decode(text));
}

/** A number as a plain value (`250`, `0.5`): no exponent, no `.0` for a whole number. */
function plainNumber(value: number): string {
  const text = formatDecimal(value);
  return text.endsWith('.0') ? text.slice(0, -2) : text;
}

class Resolver implements Scope {
  private readonly emitted: string[] = [];
  private readonly variables = new Map<string, Value>();
  private measured: { count: number; size: Size; page: number } | undefined;

  private readonly asset: ExpressionContext;

  constructor(asset: ExpressionContext) {
    this.asset = asset;
  }

  /** The resolved chain, percent-decoded. */
  run(nodes: readonly ChainNode[]): string {
    this.walk(nodes);
    return this.emitted.join('/');
  }

  private walk(nodes: readonly ChainNode[]): void {
    for (const node of nodes) {
      if (node.kind === 'component') {
        this.component(node.component);
        continue;
      }
      const refusal = conditionRefusal(node.condition);
      const condition: Condition = within(refusal, () => parseCondition(node.condition));
      this.walk(within(refusal, () => evaluateCondition(condition, this)) ? node.then : node.otherwise);
    }
  }

  private component(component: ChainComponent): void {
    // Assignments first, then the parameters (the SDK writes them in that order): `$s_150,w_$s` reads $s.
    for (const assignment of component.assignments) {
      const value = within(parameterRefusal(assignment), () => evaluateExpression(parseExpression(assignment.value), this));
      this.variables.set(assignment.key, value);
    }
    const resolved = component.parameters.map((parameter) => this.parameter(parameter));
    // A component left with nothing (only assignments, or a bare if_) is no step.
    if (resolved.length > 0) this.emitted.push(resolved.join(','));
  }

  private parameter(parameter: Parameter): string {
    const { key, value } = parameter;
    if (isNumericKey(key)) {
      const { prefix, parts, separator } = numericParts(key, value);
      if (parts.some(looksLikeExpression)) {
        const resolved = `${key}_${this.substitute(prefix, parameter)}${parts.map((part) => this.numeric(key, part, parameter)).join(separator)}`;
        // The computed value must be one the parameter takes: say which expression gave it.
        try {
          parseTransformation(escapePercent(resolved));
        } catch (error) {
          if (error instanceof ApiError) throw expressionErrors.expression(parameter.text, `it evaluates to ${resolved}, refused: ${error.message}`);
          throw error;
        }
        return resolved;
      }
    }
    return `${key}_${this.substitute(value, parameter)}`;
  }

  /** One numeric part: a computed number is rounded where the parameter takes whole numbers. */
  private numeric(key: string, part: string, parameter: Parameter): string {
    if (!looksLikeExpression(part)) return part;
    return within(parameterRefusal(parameter), () => {
      const expression = parseExpression(part);
      const value = evaluateExpression(expression, this);
      // One operand alone is substituted as it is: `$w_2.0` then `w_$w` is `w_2.0` (relative), a string its text.
      if (expression.kind !== 'arithmetic') {
        if (value.kind === 'string') return value.value;
        if (value.kind === 'number' && value.literal !== undefined) return value.literal;
      }
      const number = toNumber(value);
      // Computed sizes, offsets, angles… are whole pixels/degrees [GUESS]: Math.round (and never -0).
      return INTEGER_KEYS.has(key) ? String(Math.round(number) || 0) : formatDecimal(number);
    });
  }

  /**
   * A value of another parameter: `$name` (or `$(name)`) as the whole value becomes the variable's
   * value; `$(name)` inside a value (a text layer's text) is replaced when the variable is assigned,
   * and otherwise left as written (a text may say `$(x)`) [GUESS].
   */
  private substitute(value: string, parameter: Parameter): string {
    const text = (name: string): string =>
      within(parameterRefusal(parameter), () => {
        const found = evaluateExpression({ kind: 'variable', name }, this);
        if (found.kind === 'string') return found.value;
        if (found.kind === 'set') return found.values.join(':');
        return found.literal ?? plainNumber(found.value);
      });
    if (isVariableName(value)) return text(value);
    const whole = WHOLE_INTERPOLATION.exec(value);
    if (whole !== null) return text(`$${whole[1]!}`);
    return value.replace(INTERPOLATION, (match, name: string) => (this.variables.has(`$${name}`) ? text(`$${name}`) : match));
  }

  // Scope ------------------------------------------------------------------------------------------

  variable(name: string): Value | undefined {
    return this.variables.get(name);
  }

  context(key: string): string | undefined {
    return Object.hasOwn(this.asset.context, key) ? this.asset.context[key] : undefined;
  }

  metadata(key: string): unknown {
    return Object.hasOwn(this.asset.metadata, key) ? this.asset.metadata[key] : undefined;
  }

  predefined(name: Predefined): Value {
    const number = (value: number): Value => ({ kind: 'number', value });
    switch (name) {
      case 'iw':
        return number(this.initial().width);
      case 'ih':
        return number(this.initial().height);
      case 'iar':
        return number(this.initial().width / this.initial().height);
      case 'w':
        return number(this.current().size.width);
      case 'h':
        return number(this.current().size.height);
      case 'ar':
        return number(this.current().size.width / this.current().size.height);
      case 'fc':
        // Rendition detects no faces: an image has none.
        return number(0);
      case 'pc':
        return number(this.asset.pages ?? 1);
      case 'cp':
        return number(this.current().page);
      case 'tags':
        return { kind: 'set', values: [...this.asset.tags] };
    }
  }

  private initial(): Size {
    const { width, height } = this.asset;
    if (width === null || height === null || width < 1 || height < 1) {
      throw new ExpressionProblem('the asset has no known width and height (iw, ih, w, h and ar need them)');
    }
    return { width, height };
  }

  /**
   * The size (and page) at this point of the chain: what the components resolved so far make of the
   * original, measured by the same projection that bounds the plan. Recomputed only when a component
   * was added since the last measure.
   */
  private current(): { size: Size; page: number } {
    if (this.measured?.count === this.emitted.length) return this.measured;
    const initial = this.initial();
    let measured = { count: this.emitted.length, size: initial, page: 1 };
    if (this.emitted.length > 0) {
      const plan = parseTransformation(escapePercent(this.emitted.join('/')));
      if (plan.components.some((component) => component.named !== undefined)) {
        throw new ExpressionProblem('w, h and ar cannot be evaluated after a named transformation (t_) in the same URL');
      }
      const size = projectAssetPlan(plan, { ...initial, format: this.asset.format }, UNBOUNDED).output;
      measured = { count: this.emitted.length, size, page: outputSettings(plan).page ?? 1 };
    }
    this.measured = measured;
    return measured;
  }
}

/**
 * The concrete transformation a text with conditionals, variables and expressions stands for on this
 * asset: conditions decided, variables and expressions replaced by their values, components left empty
 * dropped ('' when nothing is left). The result is for parseTransformation, and is what gets
 * canonicalized and hashed. A text without any (hasExpressions) comes back unchanged.
 *
 * `w`/`h`/`ar` in a condition or expression are the size where it stands in the chain (the projection
 * of the components resolved before it), `iw`/`ih`/`iar` the original's, `fc` 0, `pc` the page count,
 * `cp` the page selected so far (1), `tags`, `ctx:<key>` and `md:<external_id>` the asset's. Throws
 * ApiError(400): everything validateExpressions refuses, and division by zero, an undefined variable,
 * a string or set where a number belongs, a value the parameter does not take.
 */
export function resolveExpressions(text: string, context: ExpressionContext): string {
  const decoded = decode(text);
  if (!hasExpressionsDecoded(decoded)) return text;
  const resolved = new Resolver(context).run(readAndCheck(decoded));
  // Nothing changed (a `$` in a text layer's text): the text as given, its encoding included.
  return resolved === decoded ? text : escapePercent(resolved);
}

/**
 * The output format an unresolved transformation asks for whatever the asset: the last `f_` outside any
 * condition (null for none or `f_auto`). An eager item with conditionals is derived later, when the
 * asset is known, but its format is chosen at intake.
 */
export function unconditionalFormat(text: string): string | null {
  let format: string | null = null;
  for (const node of readAndCheck(decode(text))) {
    if (node.kind !== 'component') continue;
    for (const parameter of node.component.parameters) {
      if (parameter.key === 'f' && !parameter.value.includes('$')) format = parameter.value === 'auto' ? null : parameter.value;
    }
  }
  return format;
}
