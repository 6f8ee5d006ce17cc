import { problem } from './errors.ts';
import type { Condition, Expression, Predefined } from './syntax.ts';

/**
 * What an expression evaluates to. A number keeps the text it was written with (`literal`) when it is
 * a plain number, so `$w_2.0` then `w_$w` is `w_2.0` (relative) exactly as if written inline, whereas a
 * computed one (`$w_iw_div_2`) is a count of pixels.
 */
export type Value = { kind: 'number'; value: number; literal?: string } | { kind: 'string'; value: string } | { kind: 'set'; values: string[] };

/** Where names get their values: the resolver's variables and the asset at this point of the chain. */
export interface Scope {
  variable(name: string): Value | undefined;
  /** Throws ExpressionProblem when the asset does not have it (no width for an audio file). */
  predefined(name: Predefined): Value;
  context(key: string): string | undefined;
  metadata(key: string): unknown;
}

const describe = (value: Value): string =>
  value.kind === 'string' ? `the string ${JSON.stringify(value.value)}` : value.kind === 'set' ? 'a set of strings' : String(value.value);

/** A decimal number written as text: context values are always strings, so `ctx:!rank!_gt_3` compares numbers. */
const DECIMAL = /^-?\d+(?:\.\d+)?$/;

/** The number a value stands for: a number, or a string that is a plain decimal. */
export function toNumber(value: Value): number {
  if (value.kind === 'number') return value.value;
  if (value.kind === 'string' && DECIMAL.test(value.value)) return Number(value.value);
  throw problem(`${describe(value)} is not a number`);
}

/** Strings as sets (Cloudinary writes a set `!a:b!`); the empty string is the empty set. */
function toSet(value: Value): string[] {
  if (value.kind === 'set') return value.values;
  if (value.kind === 'number') return [value.literal ?? String(value.value)];
  return value.value === '' ? [] : value.value.split(':');
}

/** Metadata values as stored (string, number, list of strings: structured metadata's field types). */
function metadataValue(raw: unknown): Value {
  if (raw === undefined || raw === null) return { kind: 'string', value: '' };
  if (typeof raw === 'number') return { kind: 'number', value: raw };
  if (Array.isArray(raw)) return { kind: 'set', values: raw.map(String) };
  return { kind: 'string', value: String(raw) };
}

function arithmetic(operator: Expression & { kind: 'arithmetic' }, scope: Scope): Value {
  const left = toNumber(evaluateExpression(operator.left, scope));
  const right = toNumber(evaluateExpression(operator.right, scope));
  let result: number;
  switch (operator.operator) {
    case 'add':
      result = left + right;
      break;
    case 'sub':
      result = left - right;
      break;
    case 'mul':
      result = left * right;
      break;
    case 'div':
      if (right === 0) throw problem('division by zero');
      result = left / right;
      break;
    case 'mod':
      if (right === 0) throw problem('modulo by zero');
      result = left % right;
      break;
    case 'pow':
      result = left ** right;
      break;
  }
  if (!Number.isFinite(result)) throw problem('the result is not a finite number');
  return { kind: 'number', value: result === 0 ? 0 : result };
}

/** Evaluates an expression. Throws ExpressionProblem (unknown variable, division by zero, a string where a number belongs). */
export function evaluateExpression(expression: Expression, scope: Scope): Value {
  switch (expression.kind) {
    case 'number':
      return { kind: 'number', value: expression.value, literal: expression.text };
    case 'string':
      return { kind: 'string', value: expression.value };
    case 'list':
      return { kind: 'set', values: expression.values };
    case 'variable': {
      const value = scope.variable(expression.name);
      if (value === undefined) throw problem(`variable ${expression.name} is not defined (assign it first: ${expression.name}_<value>)`);
      return value;
    }
    case 'context':
      return { kind: 'string', value: scope.context(expression.key) ?? '' };
    case 'metadata':
      return metadataValue(scope.metadata(expression.key));
    case 'predefined':
      return scope.predefined(expression.name);
    case 'arithmetic':
      return arithmetic(expression, scope);
  }
}

/** Equal within floating-point noise: `ar_eq_1.5` holds for a 300x200 image however w/h were computed. */
const nearlyEqual = (a: number, b: number): boolean => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));

function equal(left: Value, right: Value): boolean {
  if (left.kind === 'set' || right.kind === 'set') {
    const a = new Set(toSet(left));
    const b = new Set(toSet(right));
    return a.size === b.size && [...a].every((item) => b.has(item));
  }
  if (left.kind === 'number' || right.kind === 'number') {
    const other = left.kind === 'number' ? right : left;
    // A number equals a string only when the string is that number (`ctx:!size!_eq_10`).
    if (other.kind === 'string' && !DECIMAL.test(other.value)) return false;
    return nearlyEqual(toNumber(left), toNumber(right));
  }
  return left.value === right.value;
}

/** `a in b`: every member of a is a member of b (a string is the set of its `:`-separated parts). */
function included(left: Value, right: Value): boolean {
  const members = new Set(toSet(right));
  return toSet(left).every((item) => members.has(item));
}

const isLiteral = (expression: Expression): boolean => expression.kind === 'string' || expression.kind === 'list';

/**
 * Evaluates a condition. Both sides of and/or are always evaluated, so a bad operand (an undefined
 * variable) is refused whatever the asset, not only when the other side happens to decide.
 */
export function evaluateCondition(condition: Condition, scope: Scope): boolean {
  if (condition.kind === 'logical') {
    const left = evaluateCondition(condition.left, scope);
    const right = evaluateCondition(condition.right, scope);
    return condition.operator === 'and' ? left && right : left || right;
  }
  let { left: leftNode, right: rightNode } = condition;
  const { operator } = condition;
  // `tags_in_['sale']` (the SDK's spelling of "tags in ['sale']") reads as "sale is among the tags",
  // the documented `!sale!_in_tags` with the operands swapped [GUESS, docs/compatibility.md].
  if ((operator === 'in' || operator === 'nin') && leftNode.kind === 'predefined' && leftNode.name === 'tags' && isLiteral(rightNode)) {
    [leftNode, rightNode] = [rightNode, leftNode];
  }
  const left = evaluateExpression(leftNode, scope);
  const right = evaluateExpression(rightNode, scope);
  switch (operator) {
    case 'eq':
      return equal(left, right);
    case 'ne':
      return !equal(left, right);
    case 'in':
      return included(left, right);
    case 'nin':
      return !included(left, right);
    case 'lt':
      return toNumber(left) < toNumber(right);
    case 'gt':
      return toNumber(left) > toNumber(right);
    case 'lte':
      return toNumber(left) <= toNumber(right);
    case 'gte':
      return toNumber(left) >= toNumber(right);
  }
}
