import type { LoadResult } from './load.ts';
import { fixed, percentile, table } from './stats.ts';

export interface LoadComparison {
  label: string;
  ours: LoadResult;
  reference: LoadResult;
}

/** One label's runs: Rendition's and each reference's, by the reference's name. */
export interface LoadComparisons {
  label: string;
  ours: LoadResult;
  references: Array<{ name: string; result: LoadResult }>;
}

/**
 * Rendition beside a reference server for each label: first errors, then the table of req/s and
 * latencies, then the req/s ratios.
 */
export function printLoadComparison(column: string, referenceName: string, comparisons: LoadComparison[]): void {
  printLoadComparisons(
    column,
    comparisons.map(({ label, ours, reference }) => ({ label, ours, references: [{ name: referenceName, result: reference }] })),
  );
}

/** As printLoadComparison, with any number of references per label (each gets its own ratio). */
export function printLoadComparisons(column: string, comparisons: LoadComparisons[]): void {
  const rows: string[][] = [[column, 'server', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'requests']];
  const ratios: string[] = [];
  for (const { label, ours, references } of comparisons) {
    rows.push(row(label, 'rendition', ours), ...references.map(({ name, result }) => row(label, name, result)));
    for (const { name, result } of references) ratios.push(`ratio ${label}: rendition ÷ ${name} req/s = ${fixed(rate(ours) / rate(result), 3)}`);
    for (const [server, result] of [['rendition', ours] as const, ...references.map(({ name, result }) => [name, result] as const)]) {
      if (result.firstError) console.log(`first error (${label}, ${server}): ${result.firstError}`);
    }
  }
  console.log(table(rows));
  console.log(ratios.join('\n'));
}

export function rate(result: LoadResult): number {
  return result.requests / (result.elapsedMs / 1000);
}

function row(label: string, server: string, result: LoadResult): string[] {
  return [
    label,
    server,
    fixed(rate(result)),
    fixed(percentile(result.latenciesMs, 50), 2),
    fixed(percentile(result.latenciesMs, 99), 2),
    String(result.errors),
    String(result.requests),
  ];
}
