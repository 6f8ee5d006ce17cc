/** How far past 0..1 a float32 softmax output may land by rounding and still be read as a probability. */
const ROUNDING = 1e-6;

/** `value` as a probability clamped into 0..1; RangeError for anything that is not one (NaN, a percentage). */
export function probability(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < -ROUNDING || value > 1 + ROUNDING) {
    throw new RangeError(`${what} must be a probability from 0 to 1, got ${String(value)}`);
  }
  return Math.min(1, Math.max(0, value));
}

/** The probability of `label` in a classifier's scores; a label the model does not have is an error, never 0. */
export function labelScore(scores: Readonly<Record<string, number>>, label: string): number {
  if (!Object.hasOwn(scores, label)) throw new RangeError(`the scores have no label ${label}`);
  return probability(scores[label], `the score of ${label}`);
}
