import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fixturePath } from '@rendition/testing';
import { parseTransformation } from '@rendition/transform';
import { describe, expect, it } from 'vitest';
import { executeImagePlan, type ImageOutput } from '../src/image-executor.ts';
import { MediaError } from '../src/media-error.ts';
import { useTempDir } from './media-files.ts';

// Alone in its file: the abandoned encode keeps a core busy for a few seconds after the test.
const temp = useTempDir();

/**
 * Two passes (the rotation after the effect), then GIF quantisation of the 6-megapixel photo, which
 * runs after libvips' last progress check and takes several seconds: answered at the 1 s deadline.
 */
async function expectTimeoutAtTheDeadline(output: ImageOutput): Promise<void> {
  const started = performance.now();
  const error: unknown = await executeImagePlan(fixturePath('images/2569067123_aca715a2ee_o.jpg'), output, parseTransformation('e_grayscale/a_90'), {
    format: 'gif',
    limits: { maxInputPixels: 10_000_000, timeoutSeconds: 1, maxDimension: 10_000, maxOutputPixels: 10_000_000 },
  }).catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(MediaError);
  expect(error).toMatchObject({ kind: 'timeout' });
  expect(performance.now() - started).toBeLessThan(2_500);
}

describe('executeImagePlan deadline', () => {
  it('answers at the deadline and cleans up when the abandoned work ends', async () => {
    await expectTimeoutAtTheDeadline(join(temp.path, 'photo.gif'));
    const deadline = performance.now() + 15_000;
    while ((await readdir(temp.path)).length > 0 && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await readdir(temp.path)).toEqual([]);
  }, 20_000);

  it('answers at the deadline when the output was to be kept in memory, and asks for no file', async () => {
    let asked = 0;
    await expectTimeoutAtTheDeadline({ inMemoryUpToPixels: 10_000_000, file: async () => join(temp.path, `asked-${(asked += 1)}.gif`) });
    expect(asked).toBe(0);
    expect(await readdir(temp.path)).toEqual([]);
  }, 20_000);
});
