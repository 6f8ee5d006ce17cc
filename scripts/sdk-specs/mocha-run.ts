// One spec file of the official SDK under mocha, as the SDK's own `tools/scripts/test.es6.sh` runs it
// (`mocha --exit --file test/setup.js <spec>`), with a per-test record written as it goes: run.ts kills
// a spec that runs past its bound, and what had finished by then must survive.
//
// Usage (cwd: the scratch copy of the SDK, where its node_modules are):
//   node mocha-run.ts --spec test/integration/api/admin/api_spec.js --out results.json
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { STOPPED_EARLY, type SpecRecord, type TestRecord, type TestState } from './results.ts';

/** The parts of mocha 7's objects this file reads (the scratch directory has mocha, this repository does not). */
interface Runnable {
  title: string;
  type?: string;
  duration?: number;
  parent?: Suite;
  fullTitle(): string;
  titlePath(): string[];
}
interface Suite {
  title: string;
  parent?: Suite;
  tests: Runnable[];
  suites: Suite[];
}
interface Runner {
  suite: Suite;
  on(event: string, listener: (runnable: Runnable, error?: unknown) => void): void;
}
interface MochaInstance {
  addFile(file: string): void;
  run(done: (failures: number) => void): unknown;
}
interface MochaModule {
  new (options: Record<string, unknown>): MochaInstance;
  reporters: { Spec: new (runner: Runner, options: unknown) => unknown };
}

const { values } = parseArgs({
  options: { spec: { type: 'string' }, out: { type: 'string' }, retries: { type: 'string' }, only: { type: 'string' } },
});
if (!values.spec || !values.out) {
  process.stderr.write('usage: node mocha-run.ts --spec <spec file> --out <results.json> [--retries n] [--only <titles.json>]\n');
  process.exit(2);
}
const spec = values.spec;
const out = values.out;

const Mocha = createRequire(join(process.cwd(), 'package.json'))('mocha') as MochaModule;

/**
 * The first lines of what a test threw. The SDK rejects with plain objects: `{message, http_code}`
 * from the Upload API, `{error: {message, http_code}}` from the Admin API, which mocha turns into
 * "the object {…} was thrown"; the message and status are what a reader needs.
 */
function describeError(error: unknown): string {
  let text: string;
  if (error instanceof Error) {
    const quoted = /^the object ([\s\S]*) was thrown/.exec(error.message)?.[1];
    const message = quoted && /"message": "((?:[^"\\]|\\.)*)"/.exec(quoted)?.[1];
    const status = quoted && /"http_code": (\d+)/.exec(quoted)?.[1];
    text = message
      ? `${message.replace(/\\(.)/g, '$1')}${status ? ` (HTTP ${status})` : ''}`
      : `${error.message}\n${(error.stack ?? '').split('\n').slice(1, 4).join('\n')}`;
  } else if (error !== null && typeof error === 'object' && typeof (error as { message?: unknown }).message === 'string') {
    const { message, http_code: status } = error as { message: string; http_code?: unknown };
    text = `${message}${status === undefined ? '' : ` (HTTP ${String(status)})`}`;
  } else {
    text = String(error);
  }
  return text.length > 800 ? `${text.slice(0, 800)}…` : text;
}

const record: SpecRecord = { file: spec, finished: false, tests: [], hookFailures: [] };
const byTest = new Map<Runnable, TestRecord>();
const failedHooks = new Map<Suite, string>();
const save = () => writeFileSync(out, `${JSON.stringify(record, null, 2)}\n`);

/**
 * mocha's spec reporter for the console, plus the record. Every test is listed before the run, as
 * `not-run`: a failing `before` hook makes mocha skip its suite's tests without an event, and they
 * must still count.
 */
class Recorder {
  constructor(runner: Runner, options: unknown) {
    new Mocha.reporters.Spec(runner, options);
    const list = (suite: Suite) => {
      for (const test of suite.tests) {
        const entry: TestRecord = { title: test.fullTitle(), titlePath: test.titlePath(), state: 'not-run' };
        byTest.set(test, entry);
        record.tests.push(entry);
      }
      suite.suites.forEach(list);
    };
    list(runner.suite);
    save();
    const settle = (test: Runnable, state: TestState, error?: unknown) => {
      const entry = byTest.get(test);
      if (!entry) return;
      entry.state = state;
      if (test.duration !== undefined) entry.durationMs = test.duration;
      if (error === undefined) delete entry.error;
      else entry.error = describeError(error);
      save();
    };
    runner.on('pass', (test) => settle(test, 'passed'));
    runner.on('pending', (test) => settle(test, 'skipped'));
    runner.on('fail', (runnable, error) => {
      if (runnable.type === 'hook') {
        record.hookFailures.push({ title: runnable.fullTitle(), error: describeError(error) });
        if (runnable.parent && !failedHooks.has(runnable.parent)) failedHooks.set(runnable.parent, `${runnable.title}: ${describeError(error)}`);
        save();
        return;
      }
      settle(runnable, 'failed', error);
    });
  }
}

/** Why a test never ran: the nearest enclosing suite whose hook failed. */
function blockedBy(test: Runnable): string | undefined {
  for (let suite = test.parent; suite; suite = suite.parent) {
    const reason = failedHooks.get(suite);
    if (reason !== undefined) return reason;
  }
  return undefined;
}

/** `--only`: a JSON list of full titles, the tests an earlier run of this spec never reached (run.ts resumes it). */
const only = values.only ? (JSON.parse(readFileSync(values.only, 'utf8')) as string[]) : undefined;
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const grep = only ? new RegExp(`^(?:${only.map(escape).join('|')})$`) : undefined;

const mocha = new Mocha({ reporter: Recorder, retries: Number(values.retries ?? 0), ...(grep ? { grep } : {}) });
mocha.addFile(join(process.cwd(), 'test/setup.js'));
mocha.addFile(join(process.cwd(), spec));
mocha.run((failures) => {
  for (const [test, entry] of byTest) {
    if (entry.state !== 'not-run') continue;
    if (grep && !grep.test(entry.title)) continue;
    const reason = blockedBy(test);
    // mocha 7 ends the whole run when a test throws after it has finished (an assertion in a callback
    // after done()): the tests after it never start.
    entry.error = reason === undefined ? STOPPED_EARLY : `not run, a hook failed: ${reason}`;
  }
  if (grep) record.tests = record.tests.filter((entry) => grep.test(entry.title));
  record.finished = true;
  save();
  // The SDK's suites leave sockets and timers behind; it runs mocha with --exit for the same reason.
  process.exit(failures > 0 ? 1 : 0);
});
