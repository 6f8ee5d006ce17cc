import { describe, expect, it } from 'vitest';
import { ApiError, type RawParams } from '@rendition/protocol';
import type { BodyLimits } from '../src/body-limits.ts';
import { JsonUploadScanner, PercentDecoder, UrlencodedScanner, type ScanOptions } from '../src/form-scanners.ts';

const limits: BodyLimits = { maxUploadBytes: 10_000, maxDataUriBytes: 3_000, maxFieldBytes: 100, maxFieldsTotalBytes: 1_000 };

/** Feeds `text` in chunks of `size` bytes, so every split (inside escapes, names, `&`) is exercised. */
async function feed(scanner: { write(chunk: Buffer): Promise<void> }, text: string, size: number): Promise<void> {
  const bytes = Buffer.from(text);
  for (let at = 0; at < bytes.length; at += size) await scanner.write(bytes.subarray(at, at + size));
}

async function refusal(promise: Promise<unknown>): Promise<{ status: number; message: string }> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ApiError) return { status: error.status, message: error.message };
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('PercentDecoder', () => {
  it('decodes + and %XX across chunk ends, and keeps a bad escape as sent', () => {
    const decoder = new PercentDecoder();
    const parts = ['a+b%2', '0c%', 'E2%82%AC%zz%4'].map((part) => decoder.decode(Buffer.from(part)));
    parts.push(decoder.flush());
    expect(Buffer.concat(parts).toString('utf8')).toBe('a b c€%zz%4');
  });
});

describe('UrlencodedScanner', () => {
  const options = (extra: Partial<ScanOptions> = {}): ScanOptions => ({ limits, takesFile: true, ...extra });

  it.each([1, 2, 3, 7, 1000])('parses the same fields whatever the chunking (%i bytes)', async (size) => {
    const scanner = new UrlencodedScanner(options());
    await feed(scanner, 'public_id=a%2Fb&tags%5B%5D=x&tags%5B%5D=y+z&&flag&empty=&file=https%3A%2F%2Fexample.com%2Fa.png', size);
    const form = await scanner.end();
    expect(form.fields).toEqual([
      ['public_id', 'a/b'],
      ['tags[]', 'x'],
      ['tags[]', 'y z'],
      ['flag', ''],
      ['empty', ''],
      ['file', 'https://example.com/a.png'],
    ]);
    expect(form.file).toBeUndefined();
  });

  it('refuses a field over MAX_FIELD_BYTES as soon as it is over', async () => {
    const scanner = new UrlencodedScanner(options());
    expect(await refusal(feed(scanner, `a=1&public_id=${'x'.repeat(101)}`, 10))).toEqual({
      status: 400,
      message: 'Parameter public_id is too long (more than 100 bytes)',
    });
  });

  it('refuses fields over MAX_FIELDS_TOTAL_BYTES together', async () => {
    const scanner = new UrlencodedScanner(options());
    const body = Array.from({ length: 20 }, (_, i) => `f${i}=${'v'.repeat(90)}`).join('&');
    expect(await refusal(feed(scanner, body, 64))).toEqual({ status: 400, message: 'Parameters too large: more than 1000 bytes in all' });
  });

  it('puts a large file value on disk, after asking the gate with the fields seen so far', async () => {
    const seen: RawParams[] = [];
    const scanner = new UrlencodedScanner(options({ gate: async (params) => void seen.push({ ...params }) }));
    const payload = 'A'.repeat(2_000);
    await feed(scanner, `upload_preset=p&file=data%3Aimage%2Fpng%3Bbase64%2C${payload}&tags=t`, 333);
    const form = await scanner.end();
    expect(form.fields).toEqual([
      ['upload_preset', 'p'],
      ['tags', 't'],
    ]);
    expect(form.file?.spilled).toBe(true);
    expect(await form.file?.text()).toBe(`data:image/png;base64,${payload}`);
    await form.file?.discard();
    expect(seen).toEqual([{ upload_preset: 'p' }]);
  });

  it('stops a file value at the data-URI text limit, and a gate refusal stops it before the disk', async () => {
    const big = new UrlencodedScanner(options());
    expect(await refusal(feed(big, `file=${'A'.repeat(100_000)}`, 4096))).toEqual({ status: 400, message: 'File size too large. Maximum is 3000.' });
    await big.abort();
    const gated = new UrlencodedScanner(
      options({
        gate: async () => {
          throw new ApiError(401, 'Unknown API key 1');
        },
      }),
    );
    expect(await refusal(feed(gated, `api_key=1&file=${'A'.repeat(1_000)}`, 64))).toEqual({ status: 401, message: 'Unknown API key 1' });
  });

  it('keeps `file` an ordinary field for calls that take no file', async () => {
    const scanner = new UrlencodedScanner(options({ takesFile: false }));
    expect(await refusal(feed(scanner, `file=${'A'.repeat(200)}`, 64))).toMatchObject({ status: 400, message: /Parameter file is too long/ });
  });

  it('refuses a second file value', async () => {
    const scanner = new UrlencodedScanner(options());
    expect(await refusal(feed(scanner, 'file=a&file=b', 100))).toEqual({ status: 400, message: 'Only one file may be uploaded per request' });
  });
});

describe('JsonUploadScanner', () => {
  const options = (extra: Partial<ScanOptions> = {}): ScanOptions => ({ limits, takesFile: true, ...extra });

  it.each([1, 3, 1000])('keeps members but a large file as text, whatever the chunking (%i bytes)', async (size) => {
    const seen: RawParams[] = [];
    const scanner = new JsonUploadScanner(options({ gate: async (params) => void seen.push({ ...params }) }));
    const payload = 'QUJD'.repeat(500);
    const body = `{ "api_key": "123", "eager": [{"width": 10, "crop": "scale"}], "context": {"a": "b,}"},\n "file": "data:image\\/png;base64,${payload}\\u0041", "n": 1 }`;
    await feed(scanner, body, size);
    const scanned = await scanner.end();
    expect(JSON.parse(scanned.text)).toEqual({ api_key: '123', eager: [{ width: 10, crop: 'scale' }], context: { a: 'b,}' }, n: 1 });
    expect(await scanned.file?.text()).toBe(`data:image/png;base64,${payload}A`);
    await scanned.file?.discard();
    expect(seen).toEqual([{ api_key: '123' }]);
  });

  it('gives back a small file string as is', async () => {
    const scanner = new JsonUploadScanner(options());
    await feed(scanner, '{"file":"https://example.com/\\u00e9.png"}', 5);
    expect(await scanner.end()).toEqual({ text: '{}', smallFile: 'https://example.com/é.png' });
  });

  it('refuses a member over MAX_FIELD_BYTES, a non-object and broken JSON', async () => {
    expect(await refusal(feed(new JsonUploadScanner(options()), `{"public_id": "${'x'.repeat(200)}"}`, 16))).toMatchObject({
      status: 400,
      message: /Parameter public_id is too long/,
    });
    expect(await refusal(feed(new JsonUploadScanner(options()), '[1]', 16))).toEqual({ status: 400, message: 'Invalid JSON body: expected an object' });
    const broken = new JsonUploadScanner(options());
    await feed(broken, '{"a": 1', 16);
    expect(await refusal(broken.end())).toEqual({ status: 400, message: 'Invalid JSON body' });
  });
});
