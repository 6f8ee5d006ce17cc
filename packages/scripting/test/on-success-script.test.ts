import { afterAll, describe, expect, it } from 'vitest';
import { ScriptError, closeSandboxThreads, runOnSuccessScript } from '../src/index.ts';

afterAll(closeSandboxThreads);

const UPLOAD_INFO = { public_id: 'sample', width: 864, tags: ['old'], info: { detection: { captioning: { data: { caption: 'A cat on a mat' } } } } };

async function onSuccess(code: string, uploadInfo: Record<string, unknown> = UPLOAD_INFO, status: 'success' | 'failure' = 'success') {
  return runOnSuccessScript(code, { uploadInfo, status });
}

async function refusal(code: string): Promise<string> {
  const error = await onSuccess(code).then(
    (result) => new Error(`returned ${JSON.stringify(result)}`),
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(ScriptError);
  return (error as ScriptError).message;
}

describe('runOnSuccessScript', () => {
  it("runs the SDKs' canonical string", async () => {
    expect(await onSuccess('current_asset.update({tags: ["autocaption"]});')).toEqual({ update: { tags: ['autocaption'] } });
  });

  it('reads the upload through event and e, with optional chaining', async () => {
    const code =
      'current_asset.update({ context: { caption: e.upload_info?.info?.detection?.captioning?.data?.caption, w: event.upload_info?.width, missing: String(e.upload_info?.nope?.deeper) } })';
    expect(await onSuccess(code)).toEqual({ update: { context: { caption: 'A cat on a mat', w: '864', missing: 'undefined' } } });
    expect(await onSuccess('if (e.status === "failure") current_asset.update({ tags: ["failed"] })', UPLOAD_INFO, 'failure')).toEqual({
      update: { tags: ['failed'] },
    });
  });

  it('returns the last update, as it was when update was called; no call: no update', async () => {
    const code = 'var data = { tags: ["a"] }; current_asset.update({ tags: ["first"] }); current_asset.update(data); data.tags.push("later")';
    expect(await onSuccess(code)).toEqual({ update: { tags: ['a'] } });
    expect(await onSuccess('var x = e.upload_info.width * 2')).toEqual({});
    expect(await onSuccess('')).toEqual({});
  });

  it('accepts tags, context and metadata together and leaves the caller’s upload info alone', async () => {
    const info = structuredClone(UPLOAD_INFO);
    const code =
      'e.upload_info.tags.push("x"); current_asset.update({ tags: e.upload_info.tags, context: { n: 1, b: true }, metadata: { sku: "123", colors: ["red"] } })';
    expect(await onSuccess(code, info)).toEqual({
      update: { tags: ['old', 'x'], context: { n: '1', b: 'true' }, metadata: { sku: '123', colors: ['red'] } },
    });
    expect(info).toEqual(UPLOAD_INFO);
  });

  it('refuses data of the wrong shape', async () => {
    expect(await refusal('current_asset.update("tags")')).toBe('On success script error: current_asset.update expects an object');
    expect(await refusal('current_asset.update({ tags: "a,b" })')).toBe('On success script error: tags must be an array of strings');
    expect(await refusal('current_asset.update({ tags: [1] })')).toBe('On success script error: tags must be an array of strings');
    expect(await refusal('current_asset.update({ context: ["a"] })')).toBe('On success script error: context must be an object');
    expect(await refusal('current_asset.update({ context: { a: { b: 1 } } })')).toBe('On success script error: context value "a" must be a string');
    expect(await refusal('current_asset.update({ metadata: "a=b" })')).toBe('On success script error: metadata must be an object');
    expect(await refusal('current_asset.update({ public_id: "other" })')).toBe(
      'On success script error: current_asset.update does not accept "public_id" (only tags, context and metadata)',
    );
  });

  it('drops prototype-polluting keys from the update', async () => {
    const result = await onSuccess(
      'current_asset.update(JSON.parse(\'{"__proto__": {"polluted": 1}, "context": {"constructor": "x", "__proto__": {"polluted": 2}, "k": "v"}}\'))',
    );
    expect(result).toEqual({ update: { context: { k: 'v' } } });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses bad scripts like eval does, with its own prefix', async () => {
    expect(await refusal("throw new Error('boom')")).toBe('On success script error: boom');
    expect(await refusal('while (true) {}')).toBe('On success script error: script timed out');
    expect(await refusal('function f(){f()} f()')).toBe('On success script error: stack overflow');
    expect(await refusal("this.constructor.constructor('return process')()")).toBe('On success script error: eval and new Function are not allowed');
    expect(await refusal('x'.repeat(4096))).toBe('On success script is too long');
  });
});
