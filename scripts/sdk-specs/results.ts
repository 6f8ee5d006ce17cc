// Turns the per-spec records of mocha-run.ts into the run's summary, with the excused tests taken
// from docs/sdk-specs.md: the table there is the one list, so the document and the runner cannot
// disagree about what is excused.
import { basename } from 'node:path';

export type TestState = 'passed' | 'failed' | 'skipped' | 'not-run';

export interface TestRecord {
  title: string;
  titlePath: string[];
  state: TestState;
  durationMs?: number;
  error?: string;
}

export const STOPPED_EARLY = 'not run: mocha stopped the run before it (an earlier test threw after it had finished)';

export interface SpecRecord {
  file: string;
  finished: boolean;
  tests: TestRecord[];
  hookFailures: Array<{ title: string; error: string }>;
}

export interface Excuse {
  spec: string;
  title: string;
  needs: string;
  why: string;
}

export type Outcome = TestState | 'excused';

export interface SummarizedTest {
  title: string;
  state: TestState;
  outcome: Outcome;
  durationMs?: number;
  error?: string;
  excused?: { needs: string; why: string };
}

export interface SpecSummary {
  file: string;
  finished: boolean;
  counts: Record<Outcome, number> & { total: number };
  hookFailures: SpecRecord['hookFailures'];
  tests: SummarizedTest[];
}

/** `` `x` `` or ``` `` x `` ``` around a cell: titles that contain backticks need the double fence. */
function unwrapCode(cell: string): string {
  const match = /^(`+)\s?([\s\S]*?)\s?\1$/.exec(cell);
  return match ? match[2]! : cell;
}

function cells(row: string): string[] {
  const inner = row.trim().replace(/^\|/, '').replace(/\|$/, '');
  return inner.split(/(?<!\\)\|/).map((cell) => unwrapCode(cell.trim().replaceAll('\\|', '|')));
}

const normalize = (title: string) => title.replace(/\s+/g, ' ').trim();

/** The rows of the table under `## Excused tests`: | Spec | Test | Needs | Why |. */
export function parseExcused(markdown: string): Excuse[] {
  const lines = markdown.split('\n');
  const start = lines.findIndex((line) => /^##\s+Excused tests\b/.test(line));
  if (start === -1) throw new Error('docs/sdk-specs.md has no "## Excused tests" section');
  const excuses: Excuse[] = [];
  let header = true;
  for (const line of lines.slice(start + 1)) {
    if (/^##\s/.test(line)) break;
    if (!line.trim().startsWith('|')) continue;
    if (header) {
      header = false;
      continue;
    }
    if (/^\|\s*:?-+/.test(line.trim())) continue;
    const [spec, title, needs, why] = cells(line);
    if (!spec || !title) throw new Error(`docs/sdk-specs.md: an excused row without a spec or a test: ${line}`);
    excuses.push({ spec, title: normalize(title), needs: needs ?? '', why: why ?? '' });
  }
  return excuses;
}

export function summarize(records: SpecRecord[], excuses: Excuse[]): SpecSummary[] {
  return records.map((record) => {
    const mine = excuses.filter((excuse) => excuse.spec === basename(record.file));
    const counts = { total: 0, passed: 0, failed: 0, skipped: 0, 'not-run': 0, excused: 0 };
    const tests = record.tests.map((test): SummarizedTest => {
      const excuse = mine.find((candidate) => candidate.title === normalize(test.title));
      // An excused test that passes anyway counts as passed: the excuse is then stale, and the report says so.
      const outcome: Outcome = excuse && (test.state === 'failed' || test.state === 'not-run' || test.state === 'skipped') ? 'excused' : test.state;
      counts.total += 1;
      counts[outcome] += 1;
      return {
        title: test.title,
        state: test.state,
        outcome,
        ...(test.durationMs === undefined ? {} : { durationMs: test.durationMs }),
        ...(test.error === undefined ? {} : { error: test.error }),
        ...(excuse ? { excused: { needs: excuse.needs, why: excuse.why } } : {}),
      };
    });
    return { file: record.file, finished: record.finished, counts, hookFailures: record.hookFailures, tests };
  });
}

/** Excused rows that named no test of the specs that ran: a renamed test, or a typo in the document. */
export function unmatchedExcuses(records: SpecRecord[], excuses: Excuse[]): Excuse[] {
  const ran = new Set(records.map((record) => basename(record.file)));
  return excuses.filter(
    (excuse) =>
      ran.has(excuse.spec) &&
      !records.some((record) => basename(record.file) === excuse.spec && record.tests.some((test) => normalize(test.title) === excuse.title)),
  );
}

export function formatSummary(summaries: SpecSummary[]): string {
  const header = ['spec', 'tests', 'passed', 'failed', 'not run', 'excused', 'skipped'];
  const rows: Array<Array<string | number>> = summaries.map((summary) => [
    basename(summary.file) + (summary.finished ? '' : ' (cut off)'),
    summary.counts.total,
    summary.counts.passed,
    summary.counts.failed,
    summary.counts['not-run'],
    summary.counts.excused,
    summary.counts.skipped,
  ]);
  const totals: Array<string | number> = ['total', ...header.slice(1).map((_, index) => rows.reduce((sum, row) => sum + Number(row[index + 1]), 0))];
  const table = [header, ...rows, totals];
  const widths = header.map((_, column) => Math.max(...table.map((row) => String(row[column]).length)));
  const lines = table.map((row) =>
    row.map((cell, column) => (column === 0 ? String(cell).padEnd(widths[column]!) : String(cell).padStart(widths[column]!))).join('  '),
  );
  const failures = summaries.flatMap((summary) =>
    summary.tests
      .filter((test) => test.outcome === 'failed' || test.outcome === 'not-run')
      .map((test) => `  ${basename(summary.file)}: ${test.title}\n      ${(test.error ?? 'not run').split('\n')[0]}`),
  );
  const stale = summaries.flatMap((summary) =>
    summary.tests.filter((test) => test.excused && test.outcome === 'passed').map((test) => `  ${basename(summary.file)}: ${test.title}`),
  );
  return [
    ...lines,
    ...(failures.length ? ['', `failed or not run (${failures.length}):`, ...failures] : []),
    ...(stale.length ? ['', 'excused in docs/sdk-specs.md but passed (remove the excuse):', ...stale] : []),
  ].join('\n');
}
