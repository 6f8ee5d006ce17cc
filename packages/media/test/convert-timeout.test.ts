import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { convertImage } from '../src/convert-image.ts';
import { MediaError } from '../src/media-error.ts';
import { imageFixture, useTempDir } from './media-files.ts';

// Alone in its file: the abandoned encode keeps a core busy for a few seconds after the test.
const temp = useTempDir();

describe('convertImage deadline', () => {
  it('answers at the deadline even when the encoder cannot be interrupted', async () => {
    // GIF quantisation of the 6-megapixel photo runs after libvips' last progress check and takes
    // several seconds; only the deadline can end the wait after one.
    const started = performance.now();
    const error: unknown = await convertImage(imageFixture('2569067123_aca715a2ee_o.jpg'), join(temp.path, 'photo.gif'), 'gif', {
      maxInputPixels: 10_000_000,
      timeoutSeconds: 1,
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(MediaError);
    expect(error).toMatchObject({ kind: 'timeout' });
    expect(performance.now() - started).toBeLessThan(2_500);
  });
});
