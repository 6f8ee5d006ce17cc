// Conditionals, user variables and arithmetic expressions (issue 19 item 3): resolved against the
// asset before the transformation is parsed. docs/transformations.md, "Conditionals, variables and
// expressions".
export { hasExpressions, resolveExpressions, unconditionalFormat, validateExpressions } from './resolve.ts';
export type { ExpressionContext } from './resolve.ts';
export { parseEagerListWithExpressions } from './eager-list.ts';
export type { EagerListItem, ExpressionEagerItem } from './eager-list.ts';
export { MAX_IF_DEPTH, MAX_VARIABLES } from './chain.ts';
export { MAX_EXPRESSION_LENGTH, MAX_EXPRESSION_TOKENS } from './syntax.ts';
