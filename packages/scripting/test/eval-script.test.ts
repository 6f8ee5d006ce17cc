import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_SCRIPT_LIMITS, EVAL_FORBIDDEN_OPTIONS, ScriptError, closeSandboxThreads, runEvalScript } from '../src/index.ts';

// The SDKs' integration-test string (npm TEST_EVAL_STR, python EVAL_STR) and logo.png's size.
const SDK_EVAL =
  'if (resource_info["width"] < 450) { upload_options["quality_analysis"] = true }; upload_options["context"] = "width=" + resource_info["width"]';
const LOGO = { width: 241, height: 51 };

afterAll(closeSandboxThreads);

async function evalScript(code: string, uploadOptions: Record<string, unknown> = {}, resourceInfo: Record<string, unknown> = LOGO) {
  return (await runEvalScript(code, { resourceInfo, uploadOptions })).changed;
}

/** The ScriptError a script ends in (fails the test when it returns or throws anything else). */
async function refusal(code: string, limits?: Parameters<typeof runEvalScript>[2]): Promise<string> {
  const error = await runEvalScript(code, { resourceInfo: LOGO, uploadOptions: {} }, limits).then(
    (result) => new Error(`returned ${JSON.stringify(result)}`),
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(ScriptError);
  return (error as ScriptError).message;
}

describe('runEvalScript: what scripts do', () => {
  it("runs the SDK's test string against logo.png's size", async () => {
    expect(await evalScript(SDK_EVAL, { tags: 'a,b' })).toEqual({ quality_analysis: true, context: 'width=241' });
    expect(await evalScript(SDK_EVAL, {}, { width: 1000, height: 51 })).toEqual({ context: 'width=1000' });
  });

  it('runs the documented examples (dot and bracket access, nested analysis fields)', async () => {
    const info = { width: 1200, quality_analysis: { focus: 0.3 } };
    expect(await evalScript("if(resource_info.quality_analysis.focus<0.5){upload_options['tags']='blurry';}", { tags: 'old' }, info)).toEqual({
      tags: 'blurry',
    });
    expect(await evalScript("if(resource_info.width>1000){upload_options['eager']='c_fill,w_500,h_500';}", {}, info)).toEqual({
      eager: 'c_fill,w_500,h_500',
    });
    expect(await evalScript("upload_options['unique_filename']=false; upload_options['faces'] = true", { unique_filename: true })).toEqual({
      unique_filename: false,
      faces: true,
    });
  });

  it('returns only what changed: unchanged assignments are not changes, deletions are null, nested edits count', async () => {
    expect(await evalScript('upload_options.tags = "a,b"; upload_options.folder = "x"', { tags: 'a,b' })).toEqual({ folder: 'x' });
    expect(await evalScript('delete upload_options.tags', { tags: 'a', folder: 'f' })).toEqual({ tags: null });
    expect(await evalScript('upload_options.context.k = "v"', { context: { a: '1' } })).toEqual({ context: { a: '1', k: 'v' } });
    expect(await evalScript('upload_options = { folder: "f", moderation: "manual" }', { folder: 'f', tags: 'a' })).toEqual({
      moderation: 'manual',
      tags: null,
    });
    expect(await evalScript('var unused = 1 + 1', { tags: 'a' })).toEqual({});
    expect(await evalScript('', { tags: 'a' })).toEqual({});
  });

  it('leaves ${resource_info.…} placeholders in double-quoted strings for the server', async () => {
    expect(await evalScript('upload_options.tags = "${resource_info.quality_score}"')).toEqual({ tags: '${resource_info.quality_score}' });
  });

  it('gives resource_info read-only: writes are ignored, deep ones too, and the binding cannot be replaced', async () => {
    const info = { width: 241, quality_analysis: { focus: 0.9 } };
    const changed = await evalScript(
      'resource_info.width = 5; resource_info.quality_analysis.focus = 0; resource_info = {}; upload_options.w = resource_info.width; upload_options.f = resource_info.quality_analysis.focus',
      {},
      info,
    );
    expect(changed).toEqual({ w: 241, f: 0.9 });
    expect(await refusal('"use strict"; resource_info.width = 5')).toBe("Eval error: 'width' is read-only");
    expect(info).toEqual({ width: 241, quality_analysis: { focus: 0.9 } });
  });

  it('runs promise jobs before reading the options back', async () => {
    expect(await evalScript('Promise.resolve().then(() => { upload_options.later = 1 })')).toEqual({ later: 1 });
  });

  it('keeps Date and Math.random (no host access through them) and has no Node globals', async () => {
    const changed = await evalScript(
      "upload_options.t = typeof Date.now() + typeof Math.random(); upload_options.g = ['process', 'require', 'console', 'fetch', 'setTimeout', 'WebAssembly', 'eval'].filter((name) => typeof globalThis[name] !== 'undefined').join(',')",
    );
    expect(changed).toEqual({ t: 'numbernumber', g: '' });
  });

  it('does not mutate the caller’s objects', async () => {
    const uploadOptions = { tags: 'a', context: { k: 'v' } };
    await evalScript('upload_options.tags = "b"; upload_options.context.k = "w"', uploadOptions);
    expect(uploadOptions).toEqual({ tags: 'a', context: { k: 'v' } });
  });
});

describe('runEvalScript: refusals (ScriptError, Cloudinary-shaped messages)', () => {
  it('refuses a script over 4095 characters before running anything', async () => {
    expect(DEFAULT_SCRIPT_LIMITS.maxLength).toBe(4095);
    expect(await evalScript(`upload_options.a = 1;${' '.repeat(4095 - 'upload_options.a = 1;'.length)}`)).toEqual({ a: 1 });
    expect(await refusal(`upload_options.a = 1;${' '.repeat(4095)}`)).toBe('Eval is too long');
    expect(await refusal('upload_options.a = 1', { maxLength: 10 })).toBe('Eval is too long');
  });

  it('a throw, a thrown non-Error, a syntax error, a reference error', async () => {
    expect(await refusal("throw new Error('boom')")).toBe('Eval error: boom');
    expect(await refusal('throw 5')).toBe('Eval error: 5');
    expect(await refusal('throw { message: "custom" }')).toBe('Eval error: custom');
    expect(await refusal('if (')).toBe("Eval error: unexpected token in expression: ''");
    expect(await refusal('resource_info.nope.deeper')).toBe("Eval error: cannot read property 'deeper' of undefined");
  });

  it.each(EVAL_FORBIDDEN_OPTIONS)('refuses setting or deleting %s', async (name) => {
    expect(await refusal(`upload_options[${JSON.stringify(name)}] = "x"`)).toBe(`Eval error: ${name} cannot be set by eval`);
    const deleted = await runEvalScript(`delete upload_options[${JSON.stringify(name)}]`, { resourceInfo: {}, uploadOptions: { [name]: 'v' } }).catch(
      (error: unknown) => error,
    );
    expect((deleted as Error).message).toBe(`Eval error: ${name} cannot be set by eval`);
    // the same value as the request's is not a change
    expect(await evalScript(`upload_options[${JSON.stringify(name)}] = "v"`, { [name]: 'v' })).toEqual({});
  });

  it('an infinite loop ends at the deadline', async () => {
    const started = performance.now();
    expect(await refusal('while(true){}')).toBe('Eval error: script timed out');
    expect(performance.now() - started).toBeLessThan(DEFAULT_SCRIPT_LIMITS.timeoutMs + 400);
    expect(await refusal('for(;;){}', { timeoutMs: 20 })).toBe('Eval error: script timed out');
  });

  it('deep recursion ends in a stack overflow', async () => {
    expect(await refusal('function f(){f()} f()')).toBe('Eval error: stack overflow');
    expect(await refusal('function f(){[1].map(f)} f()')).toBe('Eval error: stack overflow');
    expect(await refusal("JSON.parse('['.repeat(100000))")).toBe('Eval error: stack overflow');
    expect(await evalScript('function f(n){return n === 0 ? 0 : 1 + f(n - 1)} upload_options.depth = f(1000)')).toEqual({ depth: 1000 });
  });

  it('huge allocations end in out of memory', async () => {
    expect(await refusal("'x'.repeat(1e9)")).toBe('Eval error: out of memory');
    expect(await refusal('new Array(1e9).fill(0)')).toMatch(/^Eval error: (out of memory|script timed out)$/);
    expect(await refusal('var a = []; while (true) a.push({ x: a.length })')).toMatch(/^Eval error: (out of memory|script timed out)$/);
  });

  it('no code generation from strings: eval and every Function constructor are gone, so no way to `process`', async () => {
    expect(await refusal("this.constructor.constructor('return process')()")).toBe('Eval error: eval and new Function are not allowed');
    expect(await refusal("new (Object.getPrototypeOf(async function () {}).constructor)('return 1')")).toBe(
      'Eval error: eval and new Function are not allowed',
    );
    expect(await refusal("Function('return this')()")).toBe('Eval error: eval and new Function are not allowed');
    expect(await refusal("eval('1')")).toBe("Eval error: 'eval' is not defined");
    expect(await evalScript('upload_options.f = (function () {}).constructor === Function && (() => 1) instanceof Function')).toEqual({ f: true });
  });

  it('reading globalThis is harmless', async () => {
    const changed = await evalScript('upload_options.g = Object.getOwnPropertyNames(globalThis).sort().join(",")');
    const names = String(changed.g).split(',');
    expect(names).toEqual(expect.arrayContaining(['resource_info', 'upload_options', 'JSON', 'Math']));
    expect(names.filter((name) => ['process', 'require', 'module', 'Buffer', 'console', 'fetch', 'eval'].includes(name))).toEqual([]);
  });

  it('values JSON cannot carry, a non-object upload_options, cycles', async () => {
    expect(await refusal('upload_options.x = 10n')).toMatch(/^Eval error: .*BigInt/);
    expect(await refusal('upload_options.x = upload_options')).toBe('Eval error: circular reference');
    expect(await refusal('upload_options = 5')).toBe('Eval error: upload_options must be an object');
    expect(await evalScript('upload_options.f = function () {}; upload_options.u = undefined; upload_options.n = NaN')).toEqual({ n: null });
  });
});

describe('runEvalScript: prototype pollution stays out of the host', () => {
  it('drops __proto__, constructor and prototype keys at every depth and returns plain objects', async () => {
    const changed = await evalScript(
      [
        'upload_options.__proto__ = { polluted: 1 }',
        'Object.defineProperty(upload_options, "__proto__", { value: { polluted: 2 }, enumerable: true })',
        'upload_options.constructor = { prototype: { polluted: 3 } }',
        'upload_options.a = JSON.parse(\'{"__proto__": {"polluted": 4}, "constructor": {"prototype": {"polluted": 5}}, "prototype": 6, "b": 3}\')',
      ].join(';'),
    );
    expect(changed).toEqual({ a: { b: 3 } });
    expect(Object.getPrototypeOf(changed)).toBe(Object.prototype);
    expect(Object.getPrototypeOf(changed.a)).toBe(Object.prototype);
    expect(Object.keys(changed.a as object)).toEqual(['b']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    // merging the result into the request's options is safe
    const merged: Record<string, unknown> = { ...{ tags: 'a' }, ...changed };
    expect(Object.getPrototypeOf(merged)).toBe(Object.prototype);
  });

  it('a script that patches built-ins (JSON, Object.prototype.toJSON) only changes its own data', async () => {
    expect(await evalScript('JSON.stringify = () => "{\\"hacked\\":1}"; upload_options.a = 1')).toEqual({ a: 1 });
    expect(await evalScript('Object.prototype.toJSON = function () { return { hacked: 1 } }; upload_options.a = 1')).toEqual({ hacked: 1 });
  });

  it('each run is a fresh instance: what one script leaves behind is gone in the next', async () => {
    await evalScript('Object.prototype.leak = 1; globalThis.leftover = 2; upload_options.a = 1');
    expect(await evalScript('upload_options.seen = [typeof ({}).leak, typeof globalThis.leftover].join()')).toEqual({ seen: 'undefined,undefined' });
  });
});
