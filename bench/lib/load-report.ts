import type { LoadResult } from './load.ts';
import { fixed, percentile, table } from './stats.ts';

export interface LoadComparison {
  label: string;
  ours: LoadResult;
  reference: LoadResult;
}

/**
 * Rendition beside a reference server for each label: first errors, then the table of req/s and
 * latencies, then the req/s ratios.
 */
export function printLoadComparison(column: string, referenceName: string, comparisons: LoadComparison[]): void {
  const rows: string[][] = [[column, 'server', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'requests']];
  const ratios: string[] = [];
  for (const { label, ours, reference } of comparisons) {
    rows.push(row(label, 'rendition', ours), row(label, referenceName, reference));
    ratios.push(`ratio ${label}: rendition ÷ ${referenceName} req/s = ${fixed(rate(ours) / rate(reference), 3)}`);
    for (const [server, result] of [
      ['rendition', ours],
      [referenceName, reference],
    ] as const) {
      if (result.firstError) console.log(`first error (${label}, ${server}): ${result.firstError}`);
    }
  }
  console.log(table(rows));
  console.log(ratios.join('\n'));
}

function rate(result: LoadResult): number {
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
