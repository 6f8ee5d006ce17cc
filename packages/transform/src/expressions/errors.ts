import { ApiError } from '@rendition/protocol';

// Every refusal of conditionals, user variables and arithmetic expressions. All are 400s (bad input,
// never our failure) and name the parameter as it was written, so a client can find it in its URL.
// The texts are Rendition's own: Cloudinary documents none for these (docs/compatibility.md).

const bad = (message: string): ApiError => new ApiError(400, message);

/** `if_w_gt_100` → the text clients wrote, for messages. */
const ifParameter = (condition: string): string => `if_${condition}`;

export const expressionErrors = {
  /** A condition that does not parse (syntax) or cannot be evaluated (types, unknown values). */
  condition: (condition: string, reason: string) => bad(`Invalid condition in transformation: ${ifParameter(condition)} - ${reason}`),
  /** A value of a parameter or a variable that is an expression and does not parse or evaluate. */
  expression: (parameter: string, reason: string) => bad(`Invalid expression in transformation: ${parameter} - ${reason}`),
  /** `$1x_10`, `$a-b_1`: a variable is `$`, a letter, then letters and digits (Cloudinary's rule). */
  variableName: (parameter: string) =>
    bad(`Invalid variable in transformation: ${parameter} - a variable is $ followed by a letter, then letters or digits`),
  variableWithoutValue: (parameter: string) => bad(`Invalid variable in transformation: ${parameter} - the variable has no value`),
  tooManyVariables: (max: number) => bad(`Invalid transformation - more than ${max} different variables`),
  /** if_ / if_else / if_end that do not pair up, or that nest too deep. */
  structure: (reason: string) => bad(`Invalid conditional transformation - ${reason}`),
};

/** Thrown inside the tokenizer, parser and evaluator: the caller turns it into the message of its context. */
export class ExpressionProblem extends Error {}

export const problem = (reason: string): ExpressionProblem => new ExpressionProblem(reason);
