import { transformErrors } from '../messages.ts';
import { MAX_TRANSFORMATION_LENGTH, parseEagerList, type EagerItem } from '../parse-transformation.ts';
import { escapePercent, hasExpressions, unconditionalFormat, validateExpressions } from './resolve.ts';

/**
 * An eager item with conditionals, variables or expressions: it can only be parsed once the asset is
 * known (the derive job resolves it), so intake checks it with validateExpressions and keeps its text.
 */
export type ExpressionEagerItem = {
  /** The item's transformation, `/ext` removed, ready for resolveExpressions (decoded, `%` escaped). */
  expressions: string;
  /** As parseEagerList's: the trailing `/ext`, '' for a trailing `/`, absent when none. */
  formatSuffix?: string;
  /** The `f_` it asks for whatever the asset (outside any condition), null for none or `f_auto`. */
  format: string | null;
  requested: string;
};

export type EagerListItem = (EagerItem & { expressions?: undefined }) | ExpressionEagerItem;

const EXTENSION = /^[a-z0-9]{1,10}$/i;

function decode(text: string): string {
  if (text.length > MAX_TRANSFORMATION_LENGTH) throw transformErrors.tooLong(MAX_TRANSFORMATION_LENGTH);
  if (!/%[0-9A-Fa-f]{2}/.test(text)) return text;
  try {
    return decodeURIComponent(text);
  } catch {
    throw transformErrors.badEncoding(text);
  }
}

/**
 * parseEagerList, except that an item with conditionals, variables or expressions is validated
 * (validateExpressions) rather than parsed, and comes back as an ExpressionEagerItem. A list without
 * any is exactly parseEagerList's.
 */
export function parseEagerListWithExpressions(text: string): EagerListItem[] {
  if (!hasExpressions(text)) return parseEagerList(text);
  const decoded = decode(text);
  return decoded.split('|').map((requested): EagerListItem => {
    if (requested === '') throw transformErrors.emptyEagerItem(decoded);
    // Each item is handed on decoded with its `%` escaped, so that it is decoded exactly once overall.
    if (!hasExpressions(escapePercent(requested))) return parseEagerList(escapePercent(requested))[0]!;
    const parts = requested.split('/');
    const last = parts[parts.length - 1]!;
    let chain = requested;
    let formatSuffix: string | undefined;
    if (parts.length > 1 && last === '') {
      chain = parts.slice(0, -1).join('/');
      formatSuffix = '';
    } else if (!last.includes('_') && EXTENSION.test(last)) {
      chain = parts.slice(0, -1).join('/');
      formatSuffix = last.toLowerCase();
    }
    const expressions = escapePercent(chain);
    validateExpressions(expressions);
    const item: ExpressionEagerItem = { expressions, format: unconditionalFormat(expressions), requested };
    if (formatSuffix !== undefined) item.formatSuffix = formatSuffix;
    return item;
  });
}
