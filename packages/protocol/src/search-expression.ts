import { ApiError } from './api-error.ts';

/**
 * The Search API's expression language (docs/search.md): Lucene-like terms combined with AND / OR /
 * NOT. Parsing is pure; the catalog compiles the tree to SQL, and resolves relative dates against the
 * request's clock there, so a parsed tree means the same thing whenever it runs.
 */

/** Longer expressions are refused before parsing: every request's parse stays cheap. */
export const MAX_SEARCH_EXPRESSION_LENGTH = 4_096;
/** Parentheses, NOT and field groups nest at most this deep: the recursive parser and the SQL stay shallow. */
export const MAX_SEARCH_EXPRESSION_DEPTH = 20;
/** Leaf terms per expression: each one becomes a condition (and a few parameters) of one SQL statement. */
export const MAX_SEARCH_EXPRESSION_TERMS = 100;

/**
 * How a field matches:
 * - `text`: `:` matches words (case-insensitive tokens), `=` the whole value, `v*` a prefix of it;
 * - `keyword`: `:` and `=` both match the whole value (case-sensitive), `v*` a prefix;
 * - `enum`: as keyword, the value lowercased (the catalog stores these lowercase);
 * - `number`, `bytes` (sizes such as `1mb`), `ratio` (`1.5` or `"16:9"`), `date`: comparisons and ranges;
 * - `keyed`: `context.<key>` (text values) and `metadata.<external_id>` (text, numbers, dates, sets).
 */
export type SearchFieldKind = 'text' | 'keyword' | 'enum' | 'number' | 'bytes' | 'ratio' | 'date' | 'keyed';

export type SearchFieldTable = Readonly<Record<string, SearchFieldKind>>;

/** The fields of `resources/search` (Cloudinary's names; docs/search.md says what each one reads). */
export const ASSET_SEARCH_FIELDS: SearchFieldTable = {
  public_id: 'text',
  filename: 'text',
  display_name: 'text',
  tags: 'text',
  asset_id: 'keyword',
  folder: 'keyword',
  asset_folder: 'keyword',
  resource_type: 'enum',
  type: 'enum',
  format: 'enum',
  status: 'enum',
  moderation_status: 'enum',
  bytes: 'bytes',
  width: 'number',
  height: 'number',
  pixels: 'number',
  pages: 'number',
  duration: 'number',
  aspect_ratio: 'ratio',
  created_at: 'date',
  uploaded_at: 'date',
  context: 'keyed',
  metadata: 'keyed',
};

/** The fields of `folders/search`. */
export const FOLDER_SEARCH_FIELDS: SearchFieldTable = {
  name: 'keyword',
  path: 'keyword',
  created_at: 'date',
};

export interface SearchFieldRef {
  name: string;
  /** The key of `context.<key>` / `metadata.<external_id>`. */
  key?: string;
}

export type RelativeDateUnit = 's' | 'm' | 'h' | 'd' | 'w' | 'M' | 'y';

export type SearchScalar =
  | { kind: 'number'; value: number }
  | { kind: 'date'; iso: string }
  /** `1w`: the moment one week before the request. */
  | { kind: 'relative'; amount: number; unit: RelativeDateUnit }
  /** A metadata date (`2024-05-01`): compared as text with the stored value. */
  | { kind: 'text'; text: string };

export interface SearchBound {
  value: SearchScalar;
  inclusive: boolean;
}

export type SearchNode =
  | { type: 'and'; children: SearchNode[] }
  | { type: 'or'; children: SearchNode[] }
  | { type: 'not'; child: SearchNode }
  /** `field` null: a bare word, matched against public_id, tags and context values (docs/search.md). */
  | { type: 'match'; field: SearchFieldRef | null; mode: 'token' | 'exact' | 'prefix'; text: string }
  | { type: 'exists'; field: SearchFieldRef }
  | { type: 'range'; field: SearchFieldRef; lower?: SearchBound; upper?: SearchBound };

const UNIT_SECONDS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3_600, d: 86_400, w: 604_800 };
const APPROXIMATE_UNIT_SECONDS: Readonly<Record<RelativeDateUnit, number>> = {
  s: 1,
  m: 60,
  h: 3_600,
  d: 86_400,
  w: 604_800,
  M: 31 * 86_400,
  y: 366 * 86_400,
};
const MAX_RELATIVE_SECONDS = 1_000 * 366 * 86_400;
const SIZE_UNITS: Readonly<Record<string, number>> = {
  '': 1,
  b: 1,
  k: 1_024,
  kb: 1_024,
  m: 1_048_576,
  mb: 1_048_576,
  g: 1_073_741_824,
  gb: 1_073_741_824,
};
const RELATIVE_DATE = /^(\d{1,6})([smhdwMy])$/;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
const NUMBER = /^-?(?:\d+(?:\.\d*)?|\.\d+)$/;
const KEYWORDS = new Set(['AND', 'OR', 'NOT']);
/** Besides whitespace, the characters that end an unquoted field name or bare word. */
const NAME_END = new Set(['(', ')', '"', ':', '=', '<', '>']);
/** … an unquoted value (which may hold `:`, `=`, `<` and `>`: dates, ratios). */
const VALUE_END = new Set(['(', ')']);
/** … a range bound. */
const RANGE_END = new Set([']', '}']);

function isSpace(char: string): boolean {
  return /\s/.test(char);
}

function refuse(detail: string): ApiError {
  return new ApiError(400, `Invalid search expression: ${detail}`);
}

/** One value as written: unescaped text, and where an unescaped `*` stood. */
interface ValueToken {
  text: string;
  /** Unescaped `*` at the end only (the `*` not in `text`). */
  prefix: boolean;
  /** The whole value is one unescaped `*`. */
  star: boolean;
  quoted: boolean;
  /** 1-based character where the value starts, for messages. */
  at: number;
}

interface ParseState {
  source: string;
  pos: number;
  depth: number;
  terms: number;
  fields: SearchFieldTable;
}

/**
 * Parses a search expression; undefined when it is blank (every asset matches). Refuses what it
 * cannot read with a 400 naming the problem and, where it helps, the character it stopped at.
 */
export function parseSearchExpression(text: string, fields: SearchFieldTable = ASSET_SEARCH_FIELDS): SearchNode | undefined {
  if (text.length > MAX_SEARCH_EXPRESSION_LENGTH) {
    throw new ApiError(400, `Search expression is too long: at most ${MAX_SEARCH_EXPRESSION_LENGTH} characters (got ${text.length})`);
  }
  const state: ParseState = { source: text, pos: 0, depth: 0, terms: 0, fields };
  skipSpace(state);
  if (state.pos >= text.length) return undefined;
  const node = parseOr(state, null);
  skipSpace(state);
  if (state.pos < text.length) {
    throw refuse(
      text[state.pos] === ')' ? `unexpected ')' at character ${state.pos + 1}` : `unexpected '${text[state.pos]}' at character ${state.pos + 1}`,
    );
  }
  return node;
}

function parseOr(state: ParseState, defaultField: SearchFieldRef | null): SearchNode {
  const children = [parseAnd(state, defaultField)];
  for (;;) {
    skipSpace(state);
    const operator = orOperatorAt(state);
    if (!operator) break;
    state.pos += operator.length;
    children.push(parseAnd(state, defaultField, operator));
  }
  return combine('or', children);
}

function parseAnd(state: ParseState, defaultField: SearchFieldRef | null, after?: string): SearchNode {
  const children = [parseUnary(state, defaultField, after)];
  for (;;) {
    skipSpace(state);
    if (state.pos >= state.source.length || state.source[state.pos] === ')' || orOperatorAt(state)) break;
    const operator = keywordAt(state, 'AND') ? 'AND' : state.source.startsWith('&&', state.pos) ? '&&' : undefined;
    if (operator) state.pos += operator.length;
    // No operator: two terms side by side are both required (implicit AND).
    children.push(parseUnary(state, defaultField, operator));
  }
  return combine('and', children);
}

function parseUnary(state: ParseState, defaultField: SearchFieldRef | null, after?: string): SearchNode {
  skipSpace(state);
  if (state.source[state.pos] === '-' && !isMinusPrefix(state)) throw refuse(`expected a term right after '-' at character ${state.pos + 1}`);
  const negation = keywordAt(state, 'NOT') ? 'NOT' : isMinusPrefix(state) ? '-' : undefined;
  if (negation) {
    state.pos += negation.length;
    enter(state);
    const child = parseUnary(state, defaultField, negation);
    state.depth -= 1;
    // NOT NOT x is x: the canonical tree holds no double negation.
    return child.type === 'not' ? child.child : { type: 'not', child };
  }
  return parsePrimary(state, defaultField, after);
}

function parsePrimary(state: ParseState, defaultField: SearchFieldRef | null, after?: string): SearchNode {
  const { source } = state;
  if (state.pos >= source.length || source[state.pos] === ')' || keywordAt(state, 'AND') || keywordAt(state, 'OR') || orOperatorAt(state)) {
    const where = state.pos >= source.length ? 'at the end' : `at character ${state.pos + 1}`;
    throw refuse(after ? `expected a term after '${after}' ${where}` : `expected a term ${where}`);
  }
  if (source[state.pos] === '(') return parseGroup(state, defaultField);
  return parseTerm(state, defaultField);
}

/** `( … )` at the cursor: its expression, each bare term of it on `defaultField` (a `field:(a OR b)` group's field). */
function parseGroup(state: ParseState, defaultField: SearchFieldRef | null): SearchNode {
  const open = state.pos;
  state.pos += 1;
  enter(state);
  skipSpace(state);
  const node = parseOr(state, defaultField);
  skipSpace(state);
  if (state.source[state.pos] !== ')') throw refuse(`missing ')' for the '(' at character ${open + 1}`);
  state.pos += 1;
  state.depth -= 1;
  return node;
}

function parseTerm(state: ParseState, defaultField: SearchFieldRef | null): SearchNode {
  const start = state.pos;
  if (state.source[start] !== '"') {
    const name = readName(state);
    const operator = operatorAt(state);
    if (operator && name.text !== '') {
      state.pos += operator.length;
      const field = resolveField(name.text, state.fields);
      return parseFieldValue(state, field, operator.replace(/^:(?=[<>])/, ''));
    }
    if (operator && name.text === '') throw refuse(`expected a field name before '${operator}' at character ${start + 1}`);
    state.pos = start;
  }
  const value = readValue(state, VALUE_END);
  countTerm(state);
  if (defaultField) return buildFieldTerm(state, defaultField, ':', value);
  if (value.star) throw refuse(`a lone '*' needs a field (field:*) at character ${value.at}`);
  if (value.text === '') throw refuse(`empty value at character ${value.at}`);
  return { type: 'match', field: null, mode: value.prefix ? 'prefix' : 'token', text: value.text };
}

function parseFieldValue(state: ParseState, field: SearchFieldRef, operator: string): SearchNode {
  const { source } = state;
  const next = source[state.pos];
  const label = fieldLabel(field);
  if (next === undefined || isSpace(next) || next === ')') {
    throw refuse(`missing value for field '${label}' at character ${state.pos + 1}`);
  }
  if (next === '(' && operator === ':') return parseGroup(state, field);
  if ((next === '[' || next === '{') && (operator === ':' || operator === '=')) {
    countTerm(state);
    return parseRange(state, field);
  }
  const value = readValue(state, VALUE_END);
  countTerm(state);
  return buildFieldTerm(state, field, operator, value);
}

function buildFieldTerm(state: ParseState, field: SearchFieldRef, operator: string, value: ValueToken): SearchNode {
  const kind = state.fields[field.name]!;
  const label = fieldLabel(field);
  if (value.star) return { type: 'exists', field };
  // "" is a value only for folders: the root.
  if (value.text === '' && !value.prefix && !(value.quoted && kind === 'keyword'))
    throw refuse(`missing value for field '${label}' at character ${value.at}`);
  const comparison = operator !== ':' && operator !== '=';
  if (kind === 'text' || kind === 'keyword' || kind === 'enum' || (kind === 'keyed' && field.name === 'context')) {
    if (comparison) throw refuse(`field '${label}' does not support '${operator}'`);
    const text = kind === 'enum' ? value.text.toLowerCase() : value.text;
    if (value.prefix) return text === '' ? { type: 'exists', field } : { type: 'match', field, mode: 'prefix', text };
    const mode = kind === 'keyword' || kind === 'enum' || operator === '=' ? 'exact' : 'token';
    return { type: 'match', field, mode, text };
  }
  if (kind === 'keyed') {
    if (!comparison) {
      if (value.prefix) return value.text === '' ? { type: 'exists', field } : { type: 'match', field, mode: 'prefix', text: value.text };
      return { type: 'match', field, mode: operator === '=' ? 'exact' : 'token', text: value.text };
    }
    return comparisonNode(field, operator, metadataScalar(value, label));
  }
  if (value.prefix) throw refuse(`'*' wildcards apply to text fields, not to '${label}' (at character ${value.at})`);
  if (kind === 'date') return dateTerm(field, operator, value, label);
  const scalar: SearchScalar = { kind: 'number', value: numberValue(value, kind, label) };
  return comparison
    ? comparisonNode(field, operator, scalar)
    : { type: 'range', field, lower: { value: scalar, inclusive: true }, upper: { value: scalar, inclusive: true } };
}

function dateTerm(field: SearchFieldRef, operator: string, value: ValueToken, label: string): SearchNode {
  const scalar = dateValue(value, label);
  if (operator !== ':' && operator !== '=') return comparisonNode(field, operator, scalar);
  if (scalar.kind !== 'date') throw refuse(`a relative date needs '>', '>=', '<' or '<=' (field '${label}', at character ${value.at})`);
  // A date alone means that whole (UTC) day; a time, that second.
  const start = Date.parse(scalar.iso);
  const span = /^\d{4}-\d{2}-\d{2}$/.test(value.text) ? 86_400_000 : 1_000;
  return {
    type: 'range',
    field,
    lower: { value: scalar, inclusive: true },
    upper: { value: { kind: 'date', iso: new Date(start + span).toISOString() }, inclusive: false },
  };
}

function comparisonNode(field: SearchFieldRef, operator: string, value: SearchScalar): SearchNode {
  switch (operator) {
    case '>':
      return { type: 'range', field, lower: { value, inclusive: false } };
    case '>=':
      return { type: 'range', field, lower: { value, inclusive: true } };
    case '<':
      return { type: 'range', field, upper: { value, inclusive: false } };
    default:
      return { type: 'range', field, upper: { value, inclusive: true } };
  }
}

function parseRange(state: ParseState, field: SearchFieldRef): SearchNode {
  const { source } = state;
  const kind = state.fields[field.name]!;
  const label = fieldLabel(field);
  const open = state.pos;
  if (kind === 'text' || kind === 'keyword' || kind === 'enum' || (kind === 'keyed' && field.name === 'context')) {
    throw refuse(`field '${label}' does not support ranges (at character ${open + 1})`);
  }
  const lowerInclusive = source[state.pos] === '[';
  state.pos += 1;
  skipSpace(state);
  const lower = readValue(state, RANGE_END);
  skipSpace(state);
  if (!(source.startsWith('TO', state.pos) && isSpace(source[state.pos + 2] ?? ''))) {
    throw refuse(`expected 'TO' in the range at character ${state.pos + 1}`);
  }
  state.pos += 2;
  skipSpace(state);
  const upper = readValue(state, RANGE_END);
  skipSpace(state);
  const close = source[state.pos];
  if (close !== ']' && close !== '}') throw refuse(`missing ']' or '}' for the range at character ${open + 1}`);
  state.pos += 1;
  const bound = (token: ValueToken, inclusive: boolean): SearchBound | undefined => {
    if (token.star) return undefined;
    if (token.text === '') throw refuse(`empty range bound at character ${token.at}`);
    if (token.prefix) throw refuse(`'*' wildcards apply to text fields, not to '${label}' (at character ${token.at})`);
    const value =
      kind === 'date'
        ? dateValue(token, label)
        : kind === 'keyed'
          ? metadataScalar(token, label)
          : { kind: 'number' as const, value: numberValue(token, kind, label) };
    return { value, inclusive };
  };
  const lowerBound = bound(lower, lowerInclusive);
  const upperBound = bound(upper, close === ']');
  if (!lowerBound && !upperBound) return { type: 'exists', field };
  return { type: 'range', field, ...(lowerBound ? { lower: lowerBound } : {}), ...(upperBound ? { upper: upperBound } : {}) };
}

function numberValue(token: ValueToken, kind: SearchFieldKind, label: string): number {
  const text = token.text.trim();
  if (kind === 'bytes') {
    const match = /^((?:\d+(?:\.\d*)?|\.\d+))\s*([a-z]*)$/i.exec(text);
    const unit = SIZE_UNITS[match?.[2]?.toLowerCase() ?? 'x'];
    if (match && unit !== undefined) return finite(Math.round(Number(match[1]) * unit), token, label);
    throw refuse(`'${text}' is not a size (field '${label}'): use a number of bytes or one with kb, mb or gb`);
  }
  if (kind === 'ratio') {
    const ratio = /^(\d+(?:\.\d+)?):(\d+(?:\.\d+)?)$/.exec(text);
    if (ratio && Number(ratio[2]) > 0) return Number(ratio[1]) / Number(ratio[2]);
  }
  if (!NUMBER.test(text)) throw refuse(`'${text}' is not a number (field '${label}')`);
  return finite(Number(text), token, label);
}

function finite(value: number, token: ValueToken, label: string): number {
  if (!Number.isFinite(value) || Math.abs(value) > Number.MAX_SAFE_INTEGER) throw refuse(`'${token.text}' is out of range (field '${label}')`);
  return value;
}

function dateValue(token: ValueToken, label: string): SearchScalar {
  const relative = RELATIVE_DATE.exec(token.text);
  if (relative) {
    const amount = Number(relative[1]);
    const unit = relative[2] as RelativeDateUnit;
    // The database's timestamps end in 4713 BC: a relative date stays within a thousand years.
    if (amount * APPROXIMATE_UNIT_SECONDS[unit] > MAX_RELATIVE_SECONDS)
      throw refuse(`'${token.text}' reaches too far back (field '${label}'): at most 1000 years`);
    return { kind: 'relative', amount, unit };
  }
  const iso = absoluteDate(token.text);
  if (iso === undefined) {
    throw refuse(`'${token.text}' is not a date (field '${label}'): use an ISO 8601 date such as 2024-05-01, or a relative one such as 1w`);
  }
  return { kind: 'date', iso };
}

/** An ISO 8601 date or date-time (UTC unless it names an offset) as a canonical ISO string. */
function absoluteDate(text: string): string | undefined {
  const match = ISO_DATE.exec(text);
  if (!match) return undefined;
  const [, year, month, day, hour, minute, second, fraction, zone] = match;
  const normalised = `${year}-${month}-${day}T${hour ?? '00'}:${minute ?? '00'}:${second ?? '00'}.${(fraction ?? '').padEnd(3, '0').slice(0, 3)}${normalisedZone(zone)}`;
  const time = Date.parse(normalised);
  // Date.parse rolls 2024-02-30 over to March: a date must read back as written.
  if (Number.isNaN(time) || new Date(Date.UTC(Number(year), Number(month) - 1, Number(day))).getUTCDate() !== Number(day)) return undefined;
  if (Number(month) < 1 || Number(month) > 12) return undefined;
  // Years the database and toISOString both write as four digits (a day's range ends a day later).
  if (Number(year) < 1 || Number(year) > 9998) return undefined;
  return new Date(time).toISOString();
}

function normalisedZone(zone: string | undefined): string {
  if (zone === undefined || zone === 'Z') return 'Z';
  return zone.includes(':') ? zone : `${zone.slice(0, 3)}:${zone.slice(3)}`;
}

/** A metadata comparison value: a number, or a date compared as text (metadata dates are stored `YYYY-MM-DD`). */
function metadataScalar(token: ValueToken, label: string): SearchScalar {
  const text = token.text.trim();
  if (NUMBER.test(text)) return { kind: 'number', value: finite(Number(text), token, label) };
  if (absoluteDate(text) !== undefined) return { kind: 'text', text };
  throw refuse(`'${text}' is neither a number nor a date (field '${label}')`);
}

function resolveField(name: string, fields: SearchFieldTable): SearchFieldRef {
  if (Object.hasOwn(fields, name)) {
    if (fields[name] === 'keyed') throw refuse(`field '${name}' needs a key: ${name}.<key>`);
    return { name };
  }
  const dot = name.indexOf('.');
  const base = dot === -1 ? name : name.slice(0, dot);
  if (dot !== -1 && Object.hasOwn(fields, base) && fields[base] === 'keyed') {
    const key = name.slice(dot + 1);
    if (key === '') throw refuse(`field '${base}' needs a key: ${base}.<key>`);
    return { name: base, key };
  }
  throw refuse(`unknown field '${name}'`);
}

function fieldLabel(field: SearchFieldRef): string {
  return field.key === undefined ? field.name : `${field.name}.${field.key}`;
}

/** A field name or bare word: up to whitespace, a parenthesis, a quote or an operator; `\x` is x. */
function readName(state: ParseState): { text: string } {
  let text = '';
  const { source } = state;
  while (state.pos < source.length) {
    const char = source[state.pos]!;
    if (char === '\\' && state.pos + 1 < source.length) {
      text += source[state.pos + 1];
      state.pos += 2;
      continue;
    }
    if (isSpace(char) || NAME_END.has(char)) break;
    text += char;
    state.pos += 1;
  }
  return { text };
}

function readValue(state: ParseState, ends: ReadonlySet<string>): ValueToken {
  const { source } = state;
  const at = state.pos + 1;
  if (source[state.pos] === '"') return readQuoted(state);
  let text = '';
  const stars: number[] = [];
  while (state.pos < source.length) {
    const char = source[state.pos]!;
    if (char === '\\' && state.pos + 1 < source.length) {
      text += source[state.pos + 1];
      state.pos += 2;
      continue;
    }
    if (isSpace(char) || ends.has(char)) break;
    if (char === '"') throw refuse(`unexpected '"' inside a value at character ${state.pos + 1}`);
    if (char === '*') stars.push(text.length);
    text += char;
    state.pos += 1;
  }
  return wildcardToken(text, stars, at, false);
}

/** `"..."`: spaces and operators are literal; `\"`, `\\` and `\*` escape; an unescaped final `*` is a prefix wildcard. */
function readQuoted(state: ParseState): ValueToken {
  const { source } = state;
  const open = state.pos;
  state.pos += 1;
  let text = '';
  const stars: number[] = [];
  for (;;) {
    if (state.pos >= source.length) throw refuse(`unterminated quoted value at character ${open + 1}`);
    const char = source[state.pos]!;
    if (char === '\\' && state.pos + 1 < source.length) {
      text += source[state.pos + 1];
      state.pos += 2;
      continue;
    }
    state.pos += 1;
    if (char === '"') break;
    if (char === '*') stars.push(text.length);
    text += char;
  }
  return wildcardToken(text, stars, open + 1, true);
}

function wildcardToken(text: string, stars: number[], at: number, quoted: boolean): ValueToken {
  if (stars.length === 0) return { text, prefix: false, star: false, quoted, at };
  if (text === '*' && !quoted) return { text: '', prefix: false, star: true, quoted, at };
  if (stars.length === 1 && stars[0] === text.length - 1) return { text: text.slice(0, -1), prefix: true, star: false, quoted, at };
  throw refuse(`'*' is supported only at the end of a value ('${text}' at character ${at})`);
}

function operatorAt(state: ParseState): string | undefined {
  const { source, pos } = state;
  for (const operator of [':>=', ':<=', ':>', ':<', '>=', '<=', ':', '=', '>', '<']) {
    if (source.startsWith(operator, pos)) return operator;
  }
  return undefined;
}

function keywordAt(state: ParseState, keyword: string): boolean {
  const { source, pos } = state;
  if (!source.startsWith(keyword, pos) || !KEYWORDS.has(keyword)) return false;
  const after = source[pos + keyword.length];
  return after === undefined || after === '(' || after === ')' || isSpace(after);
}

function orOperatorAt(state: ParseState): string | undefined {
  if (keywordAt(state, 'OR')) return 'OR';
  return state.source.startsWith('||', state.pos) ? '||' : undefined;
}

/** `-term`: a minus directly before a term negates it. */
function isMinusPrefix(state: ParseState): boolean {
  const next = state.source[state.pos + 1];
  return state.source[state.pos] === '-' && next !== undefined && next !== ')' && !isSpace(next);
}

function skipSpace(state: ParseState): void {
  while (state.pos < state.source.length && isSpace(state.source[state.pos]!)) state.pos += 1;
}

function enter(state: ParseState): void {
  state.depth += 1;
  if (state.depth > MAX_SEARCH_EXPRESSION_DEPTH) throw refuse(`nested deeper than ${MAX_SEARCH_EXPRESSION_DEPTH} levels`);
}

function countTerm(state: ParseState): void {
  state.terms += 1;
  if (state.terms > MAX_SEARCH_EXPRESSION_TERMS) throw refuse(`more than ${MAX_SEARCH_EXPRESSION_TERMS} terms`);
}

/** One child stands alone; nested nodes of the same kind merge (a AND (b AND c) is a AND b AND c). */
function combine(type: 'and' | 'or', children: SearchNode[]): SearchNode {
  if (children.length === 1) return children[0]!;
  return { type, children: children.flatMap((child) => (child.type === type ? child.children : [child])) };
}

/** The moment `amount` units before `now`; months and years are calendar months and years (UTC). */
export function relativeDate(now: Date, amount: number, unit: RelativeDateUnit): Date {
  if (unit === 'M' || unit === 'y') {
    const date = new Date(now.getTime());
    date.setUTCMonth(date.getUTCMonth() - (unit === 'y' ? amount * 12 : amount));
    return date;
  }
  return new Date(now.getTime() - amount * UNIT_SECONDS[unit]! * 1_000);
}

/** The canonical text of a parsed expression: parsing it again gives the same tree. */
export function printSearchExpression(node: SearchNode): string {
  switch (node.type) {
    case 'and':
      return node.children.map((child) => (child.type === 'or' ? `(${printSearchExpression(child)})` : printSearchExpression(child))).join(' AND ');
    case 'or':
      return node.children.map(printSearchExpression).join(' OR ');
    case 'not':
      return `NOT ${node.child.type === 'and' || node.child.type === 'or' ? `(${printSearchExpression(node.child)})` : printSearchExpression(node.child)}`;
    case 'exists':
      return `${printField(node.field)}:*`;
    case 'match': {
      const value = printText(node.text, node.mode === 'prefix');
      if (node.field === null) return value;
      return `${printField(node.field)}${node.mode === 'exact' ? '=' : ':'}${value}`;
    }
    case 'range':
      return printRange(node);
  }
}

function printRange(node: Extract<SearchNode, { type: 'range' }>): string {
  const field = printField(node.field);
  const { lower, upper } = node;
  // metadata.k=v is a text match: an equal-bounds range on metadata stays a range.
  const equal = lower && upper && lower.inclusive && upper.inclusive && printScalar(lower.value) === printScalar(upper.value);
  if (equal && node.field.key === undefined) return `${field}=${printScalar(lower.value)}`;
  if (lower && !upper) return `${field}${lower.inclusive ? '>=' : '>'}${printScalar(lower.value)}`;
  if (upper && !lower) return `${field}${upper.inclusive ? '<=' : '<'}${printScalar(upper.value)}`;
  return `${field}:${lower?.inclusive ? '[' : '{'}${lower ? printScalar(lower.value) : '*'} TO ${upper ? printScalar(upper.value) : '*'}${upper?.inclusive ? ']' : '}'}`;
}

function printScalar(value: SearchScalar): string {
  switch (value.kind) {
    case 'number':
      return String(value.value);
    case 'date':
      return value.iso;
    case 'relative':
      return `${value.amount}${value.unit}`;
    case 'text':
      return value.text;
  }
}

function printField(field: SearchFieldRef): string {
  return field.key === undefined ? field.name : `${field.name}.${field.key.replace(/[\s()"\\:=<>*]/g, (char) => `\\${char}`)}`;
}

/** Bare when it is one plain word, else quoted; a prefix's `*` stays inside the quotes, where it is a wildcard. */
function printText(text: string, prefix: boolean): string {
  const star = prefix ? '*' : '';
  if (/^[\p{L}\p{N}_./@]+$/u.test(text) && !KEYWORDS.has(text) && text !== 'TO') return `${text}${star}`;
  return `"${text.replace(/["\\*]/g, (char) => `\\${char}`)}${star}"`;
}
