import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { propertyParameters, propertyRuns } from '@rendition/testing';
import { ScriptError, closeSandboxThreads, runEvalScript, runOnSuccessScript } from '../src/index.ts';
import type { ScriptLimits } from '../src/index.ts';
import { WATCHDOG_SLACK_MS } from '../src/sandbox-pool.ts';

// Whatever a client sends as a script, a run returns a value or a ScriptError, in bounded time, and the
// host process (this one) is unharmed: no prototype pollution, nothing that is not JSON in the result.
// PROPERTY_RUNS / PROPERTY_SEED as in the other property tests.

afterAll(closeSandboxThreads);

/** Tight limits, so that the runaway fragments end quickly. */
const LIMITS: Partial<ScriptLimits> = { timeoutMs: 40 };
/** A run may also pay for a fresh sandbox thread after a watchdog kill; generous for a loaded CI machine. */
const RUN_BUDGET_MS = 40 + WATCHDOG_SLACK_MS + 1500;

const FRAGMENTS = [
  'upload_options.a = 1;',
  'upload_options["b"] = resource_info.width + "px";',
  'upload_options.tags = "x,y";',
  'delete upload_options.tags;',
  'upload_options = { moderation: "manual" };',
  'upload_options = null;',
  'upload_options.type = "private";',
  'upload_options.__proto__ = { polluted: 1 };',
  'Object.defineProperty(upload_options, "__proto__", { value: { polluted: 1 }, enumerable: true });',
  'upload_options.c = JSON.parse(\'{"__proto__": {"polluted": 1}, "constructor": {"prototype": {"polluted": 1}}}\');',
  'Object.prototype.polluted = 1;',
  'Object.prototype.toJSON = function () { return { polluted: 1 }; };',
  'JSON.stringify = null;',
  'upload_options.d = upload_options;',
  'upload_options.e = 10n;',
  'upload_options.f = Symbol("s");',
  'resource_info.width = 0;',
  'throw new Error("boom");',
  'throw null;',
  'throw { get message() { while (true) {} } };',
  'while (true) {}',
  'for (;;) { try { throw 1 } catch (e) {} }',
  'function f() { f(); } f();',
  'function g() { try { g(); } catch (e) { g(); } } g();',
  "'x'.repeat(1e9);",
  'new Array(1e9).fill(0);',
  'var big = []; for (var i = 0; i < 1e6; i++) big.push(i);',
  "this.constructor.constructor('return process')();",
  "eval('1');",
  'globalThis.x = Object.keys(globalThis);',
  'Promise.resolve().then(function () { upload_options.later = 1; });',
  'Promise.reject(new Error("late"));',
  'import("fs");',
  'var p = new Proxy({}, { get: function () { throw new Error("trap"); } }); upload_options.p = p;',
  'current_asset.update({ tags: ["t"] });',
  'current_asset.update({ context: { k: 1 }, metadata: { m: [1] } });',
  'current_asset.update({ tags: e.upload_info?.tags });',
  'current_asset.update(5);',
  'e = null; event = 1;',
  '{',
  '}',
  '(',
  '/',
  '`${',
  '"\\u',
  'let upload_options = 1;',
  'var resource_info = 2;',
];

const script = fc.oneof(
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 120 }) },
  { weight: 5, arbitrary: fc.array(fc.constantFrom(...FRAGMENTS), { minLength: 1, maxLength: 5 }).map((parts) => parts.join('\n')) },
  {
    weight: 2,
    arbitrary: fc
      .array(fc.oneof(fc.constantFrom(...FRAGMENTS), fc.string({ unit: 'grapheme-ascii', maxLength: 8 })), { maxLength: 6 })
      .map((parts) => parts.join('')),
  },
);

const json = fc.jsonValue({ maxDepth: 3 });
const record = fc.dictionary(fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('__proto__', 'constructor', 'width', 'tags')), json, { maxKeys: 5 });

/** Fails unless `value` is plain JSON data: only arrays and Object.prototype objects, no prototype keys. */
function assertPlainJson(value: unknown, where: string): void {
  if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) return;
  if (Array.isArray(value)) return value.forEach((item, index) => assertPlainJson(item, `${where}[${index}]`));
  if (typeof value !== 'object' || Object.getPrototypeOf(value) !== Object.prototype) throw new Error(`${where} is not plain JSON`);
  for (const [key, item] of Object.entries(value)) {
    if (['__proto__', 'constructor', 'prototype'].includes(key)) throw new Error(`${where} has a ${key} key`);
    assertPlainJson(item, `${where}.${key}`);
  }
}

async function settles(what: string, run: () => Promise<unknown>, prefix: RegExp): Promise<void> {
  const started = performance.now();
  const outcome = await run().then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  const elapsed = performance.now() - started;
  if (elapsed > RUN_BUDGET_MS) throw new Error(`${what} took ${elapsed.toFixed(0)} ms`);
  if ('error' in outcome) {
    if (!(outcome.error instanceof ScriptError)) throw new Error(`${what} threw ${String(outcome.error)} instead of a ScriptError`);
    if (!prefix.test(outcome.error.message)) throw new Error(`${what}: unexpected message ${outcome.error.message}`);
  } else {
    assertPlainJson(outcome.value, what);
  }
  const probe: Record<string, unknown> = {};
  if (probe.polluted !== undefined || Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted')) throw new Error(`${what} polluted the host`);
}

describe('sandbox under arbitrary scripts (fast-check)', () => {
  const runs = propertyRuns(300);

  it('eval: a value or a ScriptError, in bounded time, host unharmed', async () => {
    const property = fc.asyncProperty(script, record, record, async (code, resourceInfo, uploadOptions) => {
      await settles('runEvalScript', () => runEvalScript(code, { resourceInfo, uploadOptions }, LIMITS), /^Eval (error: .+|is too long)$/s);
    });
    await fc.assert(property, propertyParameters(runs));
  }, 120_000);

  it('on_success: a value or a ScriptError, in bounded time, host unharmed', async () => {
    const property = fc.asyncProperty(script, record, async (code, uploadInfo) => {
      await settles(
        'runOnSuccessScript',
        () => runOnSuccessScript(code, { uploadInfo, status: 'success' }, LIMITS),
        /^On success script (error: .+|is too long)$/s,
      );
    });
    await fc.assert(property, propertyParameters(Math.ceil(runs / 3)));
  }, 120_000);
});

describe('the watchdog', () => {
  it('stops a loop whose body is one long native call (QuickJS polls its interrupt handler too rarely)', async () => {
    const started = performance.now();
    const code = 'var a = []; for (var i = 0; i < 300000; i++) a.push(i); for (;;) a.sort()';
    await expect(runEvalScript(code, { resourceInfo: {}, uploadOptions: {} })).rejects.toThrow(new ScriptError('Eval error: script timed out'));
    expect(performance.now() - started).toBeLessThan(250 + WATCHDOG_SLACK_MS + 500);
    // the next run gets a fresh thread
    expect(await runEvalScript('upload_options.ok = true', { resourceInfo: {}, uploadOptions: {} })).toEqual({ changed: { ok: true } });
  });

  it('runs concurrent scripts; a runaway one does not hold up the others', async () => {
    const slow = runEvalScript('while (true) {}', { resourceInfo: {}, uploadOptions: {} }).catch((error: unknown) => error);
    // The quick ones get a generous limit of their own: on a loaded machine 20 runs at once can take
    // longer than the default 250 ms each, which is not what this test is about.
    const quick = await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        runEvalScript(`upload_options.i = ${index}`, { resourceInfo: {}, uploadOptions: {} }, { timeoutMs: 10_000 }),
      ),
    );
    expect(quick.map(({ changed }) => changed.i)).toEqual(Array.from({ length: 20 }, (_, index) => index));
    expect(await slow).toEqual(new ScriptError('Eval error: script timed out'));
  });
});

describe('cost of one run', () => {
  it('measures runEvalScript with a warm thread (a fresh WebAssembly instance each time)', async () => {
    const input = { resourceInfo: { width: 241, height: 51 }, uploadOptions: { tags: 'a' } };
    const code =
      'if (resource_info["width"] < 450) { upload_options["quality_analysis"] = true }; upload_options["context"] = "width=" + resource_info["width"]';
    for (let i = 0; i < 5; i++) await runEvalScript(code, input);
    const count = 50;
    const started = performance.now();
    for (let i = 0; i < count; i++) await runEvalScript(code, input);
    const perRun = (performance.now() - started) / count;
    console.log(`runEvalScript: ${perRun.toFixed(2)} ms per run (sequential, warm thread)`);
    expect(perRun).toBeLessThan(100);
  });
});
