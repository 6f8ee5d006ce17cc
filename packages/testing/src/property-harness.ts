import fc from 'fast-check';
import { describe, it } from 'vitest';
import { ApiError } from '@rendition/protocol';

// The harness of the parser property tests (packages/protocol and packages/transform): whatever a
// client sends, a parser returns or throws the project's ApiError with a 4xx status, and answers
// quickly. The tests run a few hundred cases per property; bench/property-fuzz.ts runs the same
// properties 100,000 times each.

/** A property under a name, checked with any run count (the tests: a few hundred; the fuzz script: 100,000). */
export interface NamedProperty {
  name: string;
  check(parameters: { numRuns: number; seed?: number }): fc.RunDetails<unknown>;
}

export function namedProperty<Ts extends [unknown, ...unknown[]]>(name: string, build: () => fc.IPropertyWithHooks<Ts>): NamedProperty {
  return { name, check: (parameters) => fc.check(build(), parameters) as unknown as fc.RunDetails<unknown> };
}

/** A single parser call longer than this counts as a hang (catastrophic regexes, quadratic loops). */
export const CALL_BUDGET_MS = 250;

/** What a parser may do with any input: return, or refuse with a 4xx ApiError that has a message. */
export function returnsOrRefuses<T>(what: string, run: () => T): { value: T } | { refused: ApiError } {
  const started = performance.now();
  let outcome: { value: T } | { refused: ApiError };
  try {
    outcome = { value: run() };
  } catch (error) {
    if (!(error instanceof ApiError)) {
      const name = error instanceof Error ? `${error.constructor.name}: ${error.message}` : String(error);
      throw new Error(`${what} threw ${name} instead of an ApiError`, { cause: error });
    }
    if (error.status < 400 || error.status > 499 || error.message === '') {
      throw new Error(`${what} refused with status ${error.status} and message '${error.message}' (expected a 4xx with a message)`, { cause: error });
    }
    outcome = { refused: error };
  }
  const elapsed = performance.now() - started;
  if (elapsed > CALL_BUDGET_MS) throw new Error(`${what} took ${elapsed.toFixed(0)} ms (budget ${CALL_BUDGET_MS} ms)`);
  return outcome;
}

/** A property's own assertion: fails the case with the message. */
export function check(condition: boolean, message: () => string): void {
  if (!condition) throw new Error(message());
}

/** Runs per property: PROPERTY_RUNS, else `fallback` (a few hundred, so a test file stays well under 10 s). */
export function propertyRuns(fallback: number): number {
  const text = process.env.PROPERTY_RUNS;
  const runs = text === undefined || text === '' ? fallback : Number(text);
  if (!Number.isSafeInteger(runs) || runs < 1) throw new Error(`PROPERTY_RUNS must be a positive integer, got ${text}`);
  return runs;
}

/** fast-check settings shared by the tests and the fuzz script: PROPERTY_SEED replays a run. */
export function propertyParameters(numRuns: number): { numRuns: number; seed?: number } {
  const seed = process.env.PROPERTY_SEED;
  return { numRuns, ...(seed === undefined || seed === '' ? {} : { seed: Number(seed) }) };
}

/**
 * One vitest test per property, registered only under vitest: bench/property-fuzz.ts imports the same
 * property lists and runs them itself.
 */
export function registerProperties(title: string, properties: readonly NamedProperty[], fallbackRuns: number): void {
  if (!process.env.VITEST) return;
  describe(title, () => {
    const runs = propertyRuns(fallbackRuns);
    for (const property of properties) {
      it(property.name, () => {
        const details = property.check(propertyParameters(runs));
        if (details.failed) throw new Error(fc.defaultReportMessage(details), { cause: details.errorInstance });
      });
    }
  });
}
