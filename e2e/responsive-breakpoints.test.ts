import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixturePath, type CloudinarySdk } from '@rendition/testing';
import { sdkRefusal } from './support/sdk-refusal.ts';
import { signedFields } from './support/signed-form.ts';
import { sdkFor, startTestCluster, type TestCluster } from './support/test-cluster.ts';

// responsive_breakpoints (issue 18) through the official Node SDK: the answer's shape, the widths and
// bytes it reports against what delivery serves, derivatives kept with create_derived, several settings
// objects with transformations and formats, explicit, and bad settings refused before anything is stored.

type Breakpoint = { width: number; height: number; bytes: number; url: string; secure_url: string };
type Entry = { breakpoints: Breakpoint[]; transformation?: string };
type Result = Record<string, unknown> & { public_id: string; version: number; responsive_breakpoints?: Entry[] };
type Derived = { transformation: string; format: string; bytes: number; url: string };

const PHOTO = fixturePath('images/2569067123_aca715a2ee_o.jpg'); // 2725x2225
const ASPECT = 2225 / 2725;

let cluster: TestCluster;
let cloudinary: CloudinarySdk;

beforeAll(async () => {
  cluster = await startTestCluster();
  cloudinary = sdkFor(cluster);
}, 60_000);

afterAll(async () => {
  await cluster?.stop();
});

const upload = (options: Record<string, unknown>) => cloudinary.uploader.upload(PHOTO, options) as Promise<Result>;
const derivedOf = async (publicId: string): Promise<Derived[]> =>
  ((await cloudinary.api.resource(publicId, { max_results: 500 })) as { derived: Derived[] }).derived;

/** What delivery serves for a breakpoint's URL: its bytes and what sharp reads of them. */
async function delivered(url: string): Promise<{ bytes: number; width: number | undefined; format: string | undefined }> {
  const response = await fetch(url);
  const body = Buffer.from(await response.arrayBuffer());
  expect(response.status, url).toBe(200);
  const metadata = await sharp(body).metadata();
  return { bytes: body.length, width: metadata.width, format: metadata.format };
}

function expectWidths(entry: Entry, bounds: { min: number; max: number; maxImages: number }): number[] {
  const widths = entry.breakpoints.map((breakpoint) => breakpoint.width);
  expect(widths[0]).toBe(bounds.max);
  expect(widths.at(-1)).toBe(bounds.min);
  expect(widths).toEqual([...widths].sort((a, b) => b - a));
  expect(new Set(widths).size).toBe(widths.length);
  expect(widths.length).toBeLessThanOrEqual(bounds.maxImages);
  for (const width of widths) expect(width >= bounds.min && width <= bounds.max).toBe(true);
  return widths;
}

describe('responsive_breakpoints on upload', () => {
  it('answers widest-first breakpoints whose URLs deliver those widths and bytes, kept as derivatives', async () => {
    const result = await upload({
      public_id: 'bp/kept',
      responsive_breakpoints: { create_derived: true, bytes_step: 20000, min_width: 200, max_width: 1000, max_images: 20 },
    });
    expect(result.responsive_breakpoints).toHaveLength(1);
    const [entry] = result.responsive_breakpoints!;
    expect(entry).not.toHaveProperty('transformation');
    const widths = expectWidths(entry!, { min: 200, max: 1000, maxImages: 20 });
    expect(widths.length).toBeGreaterThan(2);
    const sizes = entry!.breakpoints.map((breakpoint) => breakpoint.bytes);
    expect(sizes).toEqual([...sizes].sort((a, b) => b - a));
    const gaps = sizes.slice(1).map((size, index) => sizes[index]! - size);
    expect(gaps.reduce((sum, gap) => sum + gap, 0) / gaps.length).toBeGreaterThan(15_000);

    // Kept at upload: listed before any delivery asked for them.
    const derived = await derivedOf('bp/kept');
    expect(derived.map((item) => item.transformation).sort()).toEqual(widths.map((width) => `c_scale,w_${width}`).sort());
    for (const breakpoint of entry!.breakpoints) {
      expect(Object.keys(breakpoint)).toEqual(['width', 'height', 'bytes', 'url', 'secure_url']);
      expect(breakpoint.height).toBe(Math.round(breakpoint.width * ASPECT));
      expect(breakpoint.url).toBe(`${cluster.baseUrl}/demo/image/upload/c_scale,w_${breakpoint.width}/v${result.version}/bp/kept.jpg`);
      expect(breakpoint.secure_url).toMatch(new RegExp(`/demo/image/upload/c_scale,w_${breakpoint.width}/v${result.version}/bp/kept\\.jpg$`));
      expect(derived.find((item) => item.transformation === `c_scale,w_${breakpoint.width}`)).toMatchObject({ format: 'jpg', bytes: breakpoint.bytes });
      expect(await delivered(breakpoint.url)).toEqual({ bytes: breakpoint.bytes, width: breakpoint.width, format: 'jpeg' });
    }
    // Delivery served what was stored: it made no derivative of its own.
    expect(await derivedOf('bp/kept')).toHaveLength(widths.length);
  });

  it('without create_derived still answers them; their URLs derive on first request, to the reported bytes', async () => {
    const result = await upload({ public_id: 'bp/lazy', responsive_breakpoints: { create_derived: false, max_images: 3 } });
    const [entry] = result.responsive_breakpoints!;
    // Defaults: 50 to 1000 pixels wide.
    expectWidths(entry!, { min: 50, max: 1000, maxImages: 3 });
    expect(entry!.breakpoints).toHaveLength(3);
    expect(await derivedOf('bp/lazy')).toEqual([]);
    for (const breakpoint of entry!.breakpoints) {
      expect(await delivered(breakpoint.url)).toMatchObject({ bytes: breakpoint.bytes, width: breakpoint.width });
    }
    expect(await derivedOf('bp/lazy')).toHaveLength(3);
  });

  it('answers one entry per settings object, in order, with its transformation and format (the SDK test)', async () => {
    const result = await upload({
      public_id: 'bp/two',
      responsive_breakpoints: [
        {
          transformation: { effect: 'sepia' },
          format: 'jpg',
          bytes_step: 20000,
          create_derived: true,
          min_width: 200,
          max_width: 1000,
          max_images: 20,
        },
        // GIF encodes of a photo are slow: a narrower range keeps the test quick.
        { transformation: { angle: 10 }, format: 'gif', create_derived: true, bytes_step: 20000, min_width: 200, max_width: 600, max_images: 4 },
      ],
    });
    expect(result.responsive_breakpoints).toHaveLength(2);
    const [sepia, rotated] = result.responsive_breakpoints!;
    expect(sepia!.transformation).toBe('e_sepia');
    expect(rotated!.transformation).toBe('a_10');
    expectWidths(sepia!, { min: 200, max: 1000, maxImages: 20 });
    expectWidths(rotated!, { min: 200, max: 600, maxImages: 4 });
    for (const breakpoint of sepia!.breakpoints)
      expect(breakpoint.url).toMatch(new RegExp(`/e_sepia/c_scale,w_${breakpoint.width}/v\\d+/bp/two\\.jpg$`));
    for (const breakpoint of rotated!.breakpoints)
      expect(breakpoint.url).toMatch(new RegExp(`/a_10/c_scale,w_${breakpoint.width}/v\\d+/bp/two\\.gif$`));
    const derived = await derivedOf('bp/two');
    expect(derived).toHaveLength(sepia!.breakpoints.length + rotated!.breakpoints.length);
    const smallestGif = rotated!.breakpoints.at(-1)!;
    expect(derived.find((item) => item.transformation === `a_10/c_scale,w_${smallestGif.width}`)).toMatchObject({
      format: 'gif',
      bytes: smallestGif.bytes,
    });
    expect(await delivered(smallestGif.url)).toEqual({ bytes: smallestGif.bytes, width: smallestGif.width, format: 'gif' });
    const widestSepia = sepia!.breakpoints[0]!;
    expect(await delivered(widestSepia.url)).toEqual({ bytes: widestSepia.bytes, width: 1000, format: 'jpeg' });
  });

  it("takes a transformation's /ext as the format, and never scales past the transformed width", async () => {
    const result = await upload({
      public_id: 'bp/small',
      responsive_breakpoints: {
        create_derived: true,
        transformation: 'c_scale,w_400/webp',
        bytes_step: 2000,
        min_width: 100,
        max_width: 2000,
        max_images: 3,
      },
    });
    const [entry] = result.responsive_breakpoints!;
    expect(entry!.transformation).toBe('c_scale,w_400/webp');
    expectWidths(entry!, { min: 100, max: 400, maxImages: 3 });
    const [widest] = entry!.breakpoints;
    expect(widest!.url).toMatch(/\/c_scale,w_400\/c_scale,w_400\/v\d+\/bp\/small\.webp$/);
    expect(await delivered(widest!.url)).toEqual({ bytes: widest!.bytes, width: 400, format: 'webp' });
  });
});

describe('responsive_breakpoints on explicit', () => {
  it('computes them from the stored original, keeps them, and answers them with the call', async () => {
    const uploaded = await upload({ public_id: 'bp/explicit' });
    expect(uploaded).not.toHaveProperty('responsive_breakpoints');
    const result = (await cloudinary.uploader.explicit('bp/explicit', {
      type: 'upload',
      responsive_breakpoints: { create_derived: true, transformation: 'e_grayscale', min_width: 150, max_width: 600, max_images: 5 },
    })) as Result;
    const [entry] = result.responsive_breakpoints!;
    expect(entry!.transformation).toBe('e_grayscale');
    expectWidths(entry!, { min: 150, max: 600, maxImages: 5 });
    const derived = await derivedOf('bp/explicit');
    expect(derived.map((item) => item.transformation).sort()).toEqual(
      entry!.breakpoints.map((breakpoint) => `e_grayscale/c_scale,w_${breakpoint.width}`).sort(),
    );
    for (const breakpoint of entry!.breakpoints) {
      expect(breakpoint.url).toContain(`/e_grayscale/c_scale,w_${breakpoint.width}/v${uploaded.version}/bp/explicit.jpg`);
      expect(await delivered(breakpoint.url)).toMatchObject({ bytes: breakpoint.bytes, width: breakpoint.width });
    }
  });
});

describe('bad responsive_breakpoints', () => {
  it.each([
    [{ create_derived: true, min_width: 500, max_width: 100 }, 'min_width 500 is greater than max_width 100'],
    [{ create_derived: true, bytes_step: -1 }, 'bytes_step must be a positive integer'],
    [{ create_derived: true, max_width: 10.5 }, 'max_width must be a positive integer'],
    [{ create_derived: true, max_images: 101 }, 'max_images must be between 1 and 100'],
    [{ create_derived: true, max_images: 0 }, 'max_images must be a positive integer'],
    [{ create_derived: true, transformation: 'x_nonsense' }, 'Invalid responsive_breakpoints: transformation "x_nonsense"'],
    [{ create_derived: true, format: 'mp4' }, 'format "mp4" is not an image format'],
  ])('refuses %j with a 400 before anything is stored', async (settings, message) => {
    const refusal = await sdkRefusal(upload({ public_id: 'bp/refused', responsive_breakpoints: settings }));
    expect(refusal.http_code).toBe(400);
    expect(refusal.message).toContain(message);
    expect((await sdkRefusal(cloudinary.api.resource('bp/refused'))).http_code).toBe(404);
  });

  it('refuses JSON that does not parse, in Cloudinary shape', async () => {
    const fields = signedFields({ public_id: 'bp/json', responsive_breakpoints: '{"create_derived":' }, cluster.credentials);
    const body = new URLSearchParams({
      ...fields,
      file: `data:image/png;base64,${(
        await sharp({ create: { width: 8, height: 8, channels: 3, background: '#808080' } })
          .png()
          .toBuffer()
      ).toString('base64')}`,
    });
    const response = await fetch(`${cluster.baseUrl}/v1_1/demo/image/upload`, { method: 'POST', body });
    expect(response.status).toBe(400);
    const reply = (await response.json()) as { error: { message: string } };
    expect(reply.error.message).toMatch(/^Invalid responsive_breakpoints: not valid JSON/);
    expect((await sdkRefusal(cloudinary.api.resource('bp/json'))).http_code).toBe(404);
  });

  it('refuses breakpoints of a raw upload, and bad settings on explicit before the asset changes', async () => {
    const raw = await sdkRefusal(
      cloudinary.uploader.upload(PHOTO, { resource_type: 'raw', public_id: 'bp/raw', responsive_breakpoints: { create_derived: true } }),
    );
    expect(raw).toMatchObject({ http_code: 400, message: 'Responsive breakpoints are supported for images only, not raw' });
    await upload({ public_id: 'bp/unchanged', tags: ['before'] });
    const refusal = await sdkRefusal(
      cloudinary.uploader.explicit('bp/unchanged', { type: 'upload', tags: ['after'], responsive_breakpoints: { min_width: 900, max_width: 100 } }),
    );
    expect(refusal.http_code).toBe(400);
    const resource = (await cloudinary.api.resource('bp/unchanged')) as { tags: string[]; derived: unknown[] };
    expect(resource.tags).toEqual(['before']);
    expect(resource.derived).toEqual([]);
  });
});
