import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { RgbPixels } from '../src/image-classifier.ts';

const run = promisify(execFile);

/** The repository's real images (../shared/fixtures beside it): photos and graphics, nothing unsafe. */
export const SAFE_FIXTURES = [
  '2569067123_aca715a2ee_o.jpg',
  '4.webp',
  'Channel_digital_image_CMYK_color.jpg',
  'Crash_test.gif',
  'embedgravitybird.png',
  'gradients-rgb8.png',
] as const;

/**
 * A fixture image as size x size RGB, decoded by the system's ffmpeg: this package may not load sharp,
 * and its tests should not depend on @rendition/media's decode, which has its own tests.
 */
export async function fixturePixels(name: string, size: number): Promise<RgbPixels> {
  const path = fileURLToPath(new URL(`../../../../shared/fixtures/images/${name}`, import.meta.url));
  const { stdout } = await run(
    'ffmpeg',
    ['-v', 'error', '-nostdin', '-i', path, '-frames:v', '1', '-vf', `scale=${size}:${size},format=rgb24`, '-f', 'rawvideo', '-'],
    { encoding: 'buffer', maxBuffer: size * size * 3 + 1024 },
  );
  if (stdout.length !== size * size * 3) throw new Error(`ffmpeg gave ${stdout.length} bytes for ${name}`);
  return { data: new Uint8Array(stdout), width: size, height: size };
}
