import { problem } from './errors.ts';

// The expression language of conditions (`if_w_gt_300_and_ar_lt_1`) and of numeric values
// (`iw_mul_0.5_add_10`), as the URL writes it: tokens joined by `_`. The SDK turns its symbol
// spellings into words only when a space or `_` follows (`normalize_expression`), and leaves
// `%` alone, so the symbols are read here too (`w_>_300`, `iw_%_2`).
//
// Precedence, highest first: pow (right-associative); mul div mod; add sub; the comparisons; and; or.
// Cloudinary documents "multiplication and division before addition and subtraction" and "and
// before or"; pow binding tightest is the usual reading. There are no parentheses: a URL has none.

/** Longest text of one expression or condition: far beyond any real one, short of a CPU problem. */
export const MAX_EXPRESSION_LENGTH = 512;
/** Most tokens of one expression or condition (operands and operators together). */
export const MAX_EXPRESSION_TOKENS = 100;

export type ArithmeticOperator = 'add' | 'sub' | 'mul' | 'div' | 'mod' | 'pow';
export type ComparisonOperator = 'eq' | 'ne' | 'lt' | 'gt' | 'lte' | 'gte' | 'in' | 'nin';
export type LogicalOperator = 'and' | 'or';
type Operator = ArithmeticOperator | ComparisonOperator | LogicalOperator;

const OPERATOR_WORDS: ReadonlySet<string> = new Set([
  'add',
  'sub',
  'mul',
  'div',
  'mod',
  'pow',
  'eq',
  'ne',
  'lt',
  'gt',
  'lte',
  'gte',
  'in',
  'nin',
  'and',
  'or',
]);

/** The SDK's CONDITIONAL_OPERATORS (and `%`, which Cloudinary documents as the SDK spelling of mod). */
const SYMBOLS: ReadonlyArray<readonly [string, Operator]> = [
  // Two-character symbols first, so `<=` is not read as `<` followed by `=`.
  ['<=', 'lte'],
  ['>=', 'gte'],
  ['!=', 'ne'],
  ['&&', 'and'],
  ['||', 'or'],
  ['=', 'eq'],
  ['<', 'lt'],
  ['>', 'gt'],
  ['+', 'add'],
  ['-', 'sub'],
  ['*', 'mul'],
  ['/', 'div'],
  ['%', 'mod'],
  ['^', 'pow'],
];

/**
 * The asset's characteristics an expression may name. w/h/ar are the size at that point of the chain,
 * iw/ih/iar the original's; fc is the face count (Rendition detects no faces: always 0); pc the page
 * count, cp the current page; tags the asset's tags (a set, for in/nin).
 */
export const PREDEFINED = ['w', 'h', 'ar', 'iw', 'ih', 'iar', 'fc', 'pc', 'cp', 'tags'] as const;
export type Predefined = (typeof PREDEFINED)[number];
const PREDEFINED_SET: ReadonlySet<string> = new Set(PREDEFINED);

/** Cloudinary characteristics Rendition does not compute: named in the 400 rather than "unknown". */
const UNSUPPORTED_PREDEFINED: ReadonlySet<string> = new Set(['du', 'idu', 'tar', 'ils', 'px', 'py']);

export type Token =
  | { kind: 'number'; value: number; text: string }
  | { kind: 'string'; value: string }
  | { kind: 'list'; values: string[] }
  | { kind: 'variable'; name: string }
  | { kind: 'context'; key: string }
  | { kind: 'metadata'; key: string }
  | { kind: 'predefined'; name: Predefined }
  | { kind: 'operator'; operator: Operator };

const VARIABLE_NAME = /^[A-Za-z][A-Za-z0-9]*/;
/** A decimal number, or a ratio (`3:4`, Cloudinary's way to write an aspect ratio: 0.75). */
const NUMBER = /^-?\d+(?:\.\d+)?(?::\d+(?:\.\d+)?)?/;
const WORD = /^[A-Za-z]+/;
/** An unquoted `ctx:` / `md:` key: up to the next `_` (a key with `_` must be written `!key_name!`). */
const BARE_KEY = /^[^_!]+/;

/** A variable's name as written (`$w`, or the SDK's `$(w)` form) → `$w`. */
export const isVariableName = (text: string): boolean => /^\$[A-Za-z][A-Za-z0-9]*$/.test(text);

function numberToken(text: string): Token {
  const [numerator, denominator] = text.split(':');
  const value = denominator === undefined ? Number(numerator) : Number(numerator) / Number(denominator);
  if (!Number.isFinite(value)) throw problem(`${text} is not a finite number`);
  return { kind: 'number', value, text };
}

/**
 * Splits an expression into tokens. Strings are `!…!` (they may hold `_` and `:`; `!!` is the empty
 * string), lists the SDK's `['a','b']`, variables `$name` or `$(name)`, context and metadata values
 * `ctx:!key!` / `md:!key!` (or an unquoted key without `_`). Throws ExpressionProblem.
 */
export function tokenize(text: string): Token[] {
  if (text.length > MAX_EXPRESSION_LENGTH) throw problem(`longer than ${MAX_EXPRESSION_LENGTH} characters`);
  if (text === '') throw problem('empty');
  const tokens: Token[] = [];
  let rest = text;
  for (;;) {
    const { token, length } = readToken(rest);
    tokens.push(token);
    if (tokens.length > MAX_EXPRESSION_TOKENS) throw problem(`more than ${MAX_EXPRESSION_TOKENS} operands and operators`);
    rest = rest.slice(length);
    if (rest === '') return tokens;
    if (!rest.startsWith('_')) throw problem(`unexpected ${JSON.stringify(rest[0])} after ${JSON.stringify(text.slice(0, text.length - rest.length))}`);
    rest = rest.slice(1);
    if (rest === '') throw problem('ends with _');
  }
}

/** One token at the start of `text`, and how many characters it took. */
function readToken(text: string): { token: Token; length: number } {
  const ends = (length: number): boolean => length === text.length || text[length] === '_';
  // `!=` is an operator only as a token of its own: `!=5!` would be a string.
  for (const [symbol, operator] of SYMBOLS) {
    if (text.startsWith(symbol) && ends(symbol.length)) return { token: { kind: 'operator', operator }, length: symbol.length };
  }
  const first = text[0];
  if (first === '!') {
    const close = text.indexOf('!', 1);
    if (close === -1) throw problem(`unterminated string ${text}: a string is written !text!`);
    return { token: { kind: 'string', value: text.slice(1, close) }, length: close + 1 };
  }
  if (first === '[') return readList(text);
  if (first === '$') return readVariable(text);
  for (const [prefix, kind] of [
    ['ctx:', 'context'],
    ['md:', 'metadata'],
  ] as const) {
    if (!text.startsWith(prefix)) continue;
    const keyText = text.slice(prefix.length);
    if (keyText.startsWith('!')) {
      const close = keyText.indexOf('!', 1);
      if (close === -1) throw problem(`unterminated key in ${text}: write ${prefix}!key!`);
      const key = keyText.slice(1, close);
      if (key === '') throw problem(`${prefix} needs a key`);
      return { token: { kind, key }, length: prefix.length + close + 1 };
    }
    const key = BARE_KEY.exec(keyText)?.[0];
    if (key === undefined) throw problem(`${prefix} needs a key`);
    return { token: { kind, key }, length: prefix.length + key.length };
  }
  const number = NUMBER.exec(text)?.[0];
  if (number !== undefined && ends(number.length)) return { token: numberToken(number), length: number.length };
  const word = WORD.exec(text)?.[0];
  if (word !== undefined && ends(word.length)) {
    if (OPERATOR_WORDS.has(word)) return { token: { kind: 'operator', operator: word as Operator }, length: word.length };
    if (PREDEFINED_SET.has(word)) return { token: { kind: 'predefined', name: word as Predefined }, length: word.length };
    if (UNSUPPORTED_PREDEFINED.has(word)) throw problem(`${word} is not supported by Rendition`);
    throw problem(`unknown value ${word}: not a number, a variable ($name), a string (!text!) or one of ${PREDEFINED.join(', ')}`);
  }
  // Cloudinary's `current:public_id`, `current:tags`…: the asset's fields as values.
  if (text.startsWith('current:')) throw problem("current: values (the asset's public_id, tags…) are not supported by Rendition");
  const until = text.indexOf('_');
  throw problem(`cannot read ${JSON.stringify(until === -1 ? text : text.slice(0, until))}`);
}

/** `['sale','new']` (the SDK writes a list as JavaScript does, spaces turned into `_`). */
function readList(text: string): { token: Token; length: number } {
  const close = text.indexOf(']');
  if (close === -1) throw problem(`unterminated list ${text}`);
  const inner = text.slice(1, close);
  const values =
    inner.replace(/_/g, '') === ''
      ? []
      : inner.split(',').map((item) => {
          // `_` around an item is a space the SDK normalized; quotes are optional.
          const trimmed = item.replace(/^_+|_+$/g, '');
          const quoted = /^'([^']*)'$|^"([^"]*)"$/.exec(trimmed);
          const value = quoted === null ? trimmed : (quoted[1] ?? quoted[2] ?? '');
          if (value === '' || /['"[\]]/.test(value)) throw problem(`invalid list ${text.slice(0, close + 1)}`);
          return value;
        });
  return { token: { kind: 'list', values }, length: close + 1 };
}

function readVariable(text: string): { token: Token; length: number } {
  if (text.startsWith('$(')) {
    const close = text.indexOf(')');
    const name = close === -1 ? '' : text.slice(2, close);
    if (!isVariableName(`$${name}`)) throw problem(`invalid variable ${text.slice(0, close === -1 ? text.length : close + 1)}`);
    return { token: { kind: 'variable', name: `$${name}` }, length: close + 1 };
  }
  const name = VARIABLE_NAME.exec(text.slice(1))?.[0];
  if (name === undefined || !(text.length === name.length + 1 || text[name.length + 1] === '_')) {
    const until = text.indexOf('_');
    throw problem(`invalid variable ${until === -1 ? text : text.slice(0, until)}: a variable is $ followed by a letter, then letters or digits`);
  }
  return { token: { kind: 'variable', name: `$${name}` }, length: name.length + 1 };
}

// ---------------------------------------------------------------------------------------------------
// The tree.

export type Operand =
  | { kind: 'number'; value: number; text: string }
  | { kind: 'string'; value: string }
  | { kind: 'list'; values: string[] }
  | { kind: 'variable'; name: string }
  | { kind: 'context'; key: string }
  | { kind: 'metadata'; key: string }
  | { kind: 'predefined'; name: Predefined };

export type Expression = Operand | { kind: 'arithmetic'; operator: ArithmeticOperator; left: Expression; right: Expression };

export type Condition =
  | { kind: 'compare'; operator: ComparisonOperator; left: Expression; right: Expression }
  | { kind: 'logical'; operator: LogicalOperator; left: Condition; right: Condition };

const ADDITIVE: ReadonlySet<Operator> = new Set(['add', 'sub']);
const MULTIPLICATIVE: ReadonlySet<Operator> = new Set(['mul', 'div', 'mod']);
const COMPARISONS: ReadonlySet<Operator> = new Set(['eq', 'ne', 'lt', 'gt', 'lte', 'gte', 'in', 'nin']);

class Parser {
  private position = 0;
  private readonly tokens: readonly Token[];

  constructor(tokens: readonly Token[]) {
    this.tokens = tokens;
  }

  private peekOperator(): Operator | undefined {
    const token = this.tokens[this.position];
    return token?.kind === 'operator' ? token.operator : undefined;
  }

  done(): boolean {
    return this.position === this.tokens.length;
  }

  /** What is left, for "unexpected …" messages. */
  private describeNext(): string {
    const token = this.tokens[this.position];
    if (token === undefined) return 'the end';
    return token.kind === 'operator' ? token.operator : `a ${token.kind}`;
  }

  condition(): Condition {
    let left = this.conjunction();
    while (this.peekOperator() === 'or') {
      this.position++;
      left = { kind: 'logical', operator: 'or', left, right: this.conjunction() };
    }
    return left;
  }

  private conjunction(): Condition {
    let left = this.comparison();
    while (this.peekOperator() === 'and') {
      this.position++;
      left = { kind: 'logical', operator: 'and', left, right: this.comparison() };
    }
    return left;
  }

  private comparison(): Condition {
    const left = this.expression();
    const operator = this.peekOperator();
    if (operator === undefined || !COMPARISONS.has(operator))
      throw problem(`expected a comparison (eq, ne, lt, gt, lte, gte, in, nin) but found ${this.describeNext()}`);
    this.position++;
    return { kind: 'compare', operator: operator as ComparisonOperator, left, right: this.expression() };
  }

  expression(): Expression {
    let left = this.term();
    for (let operator = this.peekOperator(); operator !== undefined && ADDITIVE.has(operator); operator = this.peekOperator()) {
      this.position++;
      left = { kind: 'arithmetic', operator: operator as ArithmeticOperator, left, right: this.term() };
    }
    return left;
  }

  private term(): Expression {
    let left = this.power();
    for (let operator = this.peekOperator(); operator !== undefined && MULTIPLICATIVE.has(operator); operator = this.peekOperator()) {
      this.position++;
      left = { kind: 'arithmetic', operator: operator as ArithmeticOperator, left, right: this.power() };
    }
    return left;
  }

  private power(): Expression {
    const base = this.operand();
    if (this.peekOperator() !== 'pow') return base;
    this.position++;
    return { kind: 'arithmetic', operator: 'pow', left: base, right: this.power() };
  }

  private operand(): Expression {
    const token = this.tokens[this.position];
    if (token === undefined) throw problem('ends with an operator where a value belongs');
    if (token.kind === 'operator') throw problem(`${token.operator} where a value belongs`);
    this.position++;
    return token;
  }

  expectEnd(): void {
    if (!this.done()) throw problem(`unexpected ${this.describeNext()}`);
  }
}

/** Parses a condition (`w_gt_300_and_!sale!_in_tags`). Throws ExpressionProblem. */
export function parseCondition(text: string): Condition {
  const parser = new Parser(tokenize(text));
  const condition = parser.condition();
  parser.expectEnd();
  return condition;
}

/** Parses an arithmetic expression (`iw_mul_0.5_add_10`, `$w`, `!text!`). Throws ExpressionProblem. */
export function parseExpression(text: string): Expression {
  const parser = new Parser(tokenize(text));
  const expression = parser.expression();
  if (!parser.done()) throw problem(`a comparison or unexpected operator in a value: ${text}`);
  return expression;
}

/** Every variable an expression or condition reads, in order. */
export function variablesOf(node: Expression | Condition): string[] {
  switch (node.kind) {
    case 'variable':
      return [node.name];
    case 'arithmetic':
    case 'compare':
    case 'logical':
      return [...variablesOf(node.left), ...variablesOf(node.right)];
    default:
      return [];
  }
}

/**
 * Whether a numeric parameter's value (`iw_div_2`, `w_sub_20`, `$w`) is an expression rather than a
 * plain value the parser reads itself (`100`, `0.5`, `16:9`, `auto`, `auto_right`, `max`): it reads as
 * tokens of the language and holds an operator, a variable or a predefined value. A value with `$` is
 * always one (a malformed variable is then a 400 naming it). Cheap: no tree is built.
 */
export function looksLikeExpression(value: string): boolean {
  if (value.includes('$') || value.startsWith('ctx:') || value.startsWith('md:') || value.includes('_ctx:') || value.includes('_md:')) return true;
  if (value.length > MAX_EXPRESSION_LENGTH) return false;
  let computed = false;
  for (const part of value.split('_')) {
    if (NUMBER.exec(part)?.[0] === part) continue;
    if (OPERATOR_WORDS.has(part) || PREDEFINED_SET.has(part) || SYMBOLS.some(([symbol]) => symbol === part)) computed = true;
    else return false;
  }
  return computed;
}
