import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { videoFixture, type CloudinarySdk } from '@rendition/testing';
import { sdkRefusal } from './support/sdk-refusal.ts';
import { sdkFor, startTestCluster, type TestCluster } from './support/test-cluster.ts';

// What the version keeps of its analysis (migration 0027, docs/analysis.md), through the official
// Node SDK: the uploader spec's "should allow sending face coordinates" and ":cinemagraph_analysis"
// tests, and the search spec's "should include context, tags and image_metadata", with their exact
// assertions; then what they leave unsaid (stored scores, clearing, refusals, the configured bounds).

type Json = Record<string, unknown>;
type Result = Json & { public_id: string };
interface Api {
  resource(publicId: string, options?: Json): Promise<Json>;
  update(publicId: string, options?: Json): Promise<Json>;
}
interface SearchBuilder {
  with_field(value: string): SearchBuilder;
  execute(): Promise<{ resources: Json[] }>;
}
type Sdk = CloudinarySdk & { search: { expression(value: string): SearchBuilder } };

/** Small enough that the logo's map (about 250 bytes) is cut, large enough to keep its first fields. */
const METADATA_BUDGET = 200;
const MAX_REGIONS = 3;

let cluster: TestCluster;
let cloudinary: Sdk;
let api: Api;
let work: string;
/** 241×51, as the SDK's IMAGE_FILE (logo.png). */
let logo: string;
let animated: string;
let camera: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'rendition-analysis-fields-e2e-'));
  logo = join(work, 'logo.png');
  await writeFile(
    logo,
    await sharp({ create: { width: 241, height: 51, channels: 3, background: '#336699' } })
      .png()
      .toBuffer(),
  );
  animated = join(work, 'cinemagraph.gif');
  await writeFile(animated, await slidingSquareGif());
  camera = join(work, 'camera.jpg');
  await writeFile(
    camera,
    await sharp({ create: { width: 64, height: 48, channels: 3, background: '#808080' } })
      .jpeg()
      .withExif({ IFD0: { Make: 'Rendition', Model: 'E2E' } })
      .toBuffer(),
  );
  cluster = await startTestCluster({ IMAGE_METADATA_MAX_BYTES: String(METADATA_BUDGET), COORDINATES_MAX_REGIONS: String(MAX_REGIONS) });
  cloudinary = sdkFor(cluster) as Sdk;
  api = cloudinary.api as unknown as Api;
}, 60_000);

afterAll(async () => {
  await cluster?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

/** 8 frames of 96×64: a white square sliding along the top of a still striped picture. */
async function slidingSquareGif(): Promise<Buffer> {
  const [width, height, frames] = [96, 64, 8];
  const data = Buffer.alloc(width * height * frames * 3);
  for (let frame = 0; frame < frames; frame++) {
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const square = x >= frame * 4 && x < frame * 4 + 10 && y < 10;
        const offset = ((frame * height + y) * width + x) * 3;
        data.fill(square ? 255 : x % 16 < 8 ? 40 : 90, offset, offset + 3);
      }
    }
  }
  return sharp(data, { raw: { width, height: height * frames, channels: 3, pageHeight: height } })
    .gif({ delay: 100 })
    .toBuffer();
}

const upload = (path: string, options: Json) => cloudinary.uploader.upload(path, options) as Promise<Result>;
const explicit = (publicId: string, options: Json) => cloudinary.uploader.explicit(publicId, options) as Promise<Result>;

describe('uploader spec: should allow sending face coordinates', () => {
  it('answers the upload’s faces bounded by the image, and explicit’s as sent, in resource’s faces and coordinates', async () => {
    const coordinates = [
      [120, 30, 109, 150],
      [121, 31, 110, 151],
    ];
    const outCoordinates = [
      [120, 30, 109, 51],
      [121, 31, 110, 51],
    ];
    const differentCoordinates = [[122, 32, 111, 152]];
    const customCoordinates = [1, 2, 3, 4];

    const uploaded = await upload(logo, { face_coordinates: coordinates, faces: true, tags: ['analysis_fields'] });
    expect(uploaded.faces).toEqual(outCoordinates);
    // Kept as answered.
    expect((await api.resource(uploaded.public_id, { faces: true })).faces).toEqual(outCoordinates);

    const explicitResult = await explicit(uploaded.public_id, {
      faces: true,
      face_coordinates: differentCoordinates,
      custom_coordinates: customCoordinates,
      type: 'upload',
    });
    expect(explicitResult.faces).not.toBe(undefined);
    expect(explicitResult.faces).toEqual(differentCoordinates);

    const info = await api.resource(explicitResult.public_id, { faces: true, coordinates: true });
    expect(info.faces).toEqual(differentCoordinates);
    expect(info.coordinates).toEqual({ faces: differentCoordinates, custom: [customCoordinates] });
  });

  it('answers faces only when asked, [] and {} when the asset has none', async () => {
    const plain = await upload(logo, { face_coordinates: [[1, 2, 3, 4]] });
    expect(plain).not.toHaveProperty('faces');
    const none = await upload(logo, { faces: true });
    expect(none.faces).toEqual([]);
    expect(await api.resource(none.public_id, { faces: true, coordinates: true })).toMatchObject({ faces: [], coordinates: {} });
    expect(await api.resource(none.public_id)).not.toHaveProperty('coordinates');
  });

  it('lets the Admin API’s update replace the regions, and an empty list clear them', async () => {
    const { public_id } = await upload(logo, { face_coordinates: [[10, 10, 20, 20]], custom_coordinates: [5, 5, 5, 5] });
    await api.update(public_id, {
      custom_coordinates: [
        [7, 8, 9, 10],
        [1, 1, 300, 300],
      ],
    });
    expect((await api.resource(public_id, { coordinates: true })).coordinates).toEqual({
      faces: [[10, 10, 20, 20]],
      custom: [
        [7, 8, 9, 10],
        [1, 1, 300, 300],
      ],
    });
    await api.update(public_id, { face_coordinates: [] });
    const cleared = await api.resource(public_id, { faces: true, coordinates: true });
    expect(cleared.faces).toEqual([]);
    expect(cleared.coordinates).toEqual({
      custom: [
        [7, 8, 9, 10],
        [1, 1, 300, 300],
      ],
    });
  });

  it('refuses malformed regions and more than COORDINATES_MAX_REGIONS with a 400 naming the parameter', async () => {
    expect(await sdkRefusal(upload(logo, { face_coordinates: [[1, 2, 3]] }))).toMatchObject({
      http_code: 400,
      message: "Invalid face_coordinates '1,2,3': expected x,y,width,height as non-negative integers, regions separated by |",
    });
    const { public_id } = await upload(logo, {});
    expect(
      await sdkRefusal(
        explicit(public_id, {
          type: 'upload',
          custom_coordinates: [
            [1, 1, 1, 1],
            [2, 2, 2, 2],
            [3, 3, 3, 3],
            [4, 4, 4, 4],
          ],
        }),
      ),
    ).toMatchObject({
      http_code: 400,
      message: `Invalid custom_coordinates: too many regions (4; at most ${MAX_REGIONS})`,
    });
    expect(await sdkRefusal(api.update(public_id, { face_coordinates: [[1, 2, 0, 4]] }))).toMatchObject({
      http_code: 400,
      message: "Invalid face_coordinates '1,2,0,4': a region's width and height must be at least 1",
    });
    // Nothing changed on the refused calls.
    expect((await api.resource(public_id, { coordinates: true })).coordinates).toEqual({});
  });
});

describe('uploader spec: cinemagraph_analysis', () => {
  it('should support requesting a cinemagraph_analysis when uploading', async () => {
    const result = await upload(logo, { cinemagraph_analysis: true, tags: ['analysis_fields'] });
    expect(Object.keys(result).length).toBeGreaterThan(0);
    expect(typeof result.cinemagraph_analysis).toBe('object');
    expect(result.cinemagraph_analysis).toHaveProperty('cinemagraph_score');
    // A still PNG: nothing moves.
    expect(result.cinemagraph_analysis).toEqual({ cinemagraph_score: 0 });
  });

  it('should support requesting a cinemagraph_analysis when calling explicit', async () => {
    const uploadResult = await upload(logo, { tags: ['analysis_fields'] });
    const explicitResult = await explicit(uploadResult.public_id, { cinemagraph_analysis: true, tags: ['analysis_fields'], type: 'upload' });
    expect(Object.keys(explicitResult).length).toBeGreaterThan(0);
    expect(typeof explicitResult.cinemagraph_analysis).toBe('object');
    expect(explicitResult.cinemagraph_analysis).toHaveProperty('cinemagraph_score');
    expect(explicitResult.cinemagraph_analysis).toEqual({ cinemagraph_score: 0 });
  });

  it('scores an animation where a small part moves above 0, and resource answers the kept score', async () => {
    const result = await upload(animated, { cinemagraph_analysis: true });
    const { cinemagraph_score: score } = result.cinemagraph_analysis as { cinemagraph_score: number };
    expect(score).toBeGreaterThan(0.5);
    expect(score).toBeLessThanOrEqual(1);
    expect(await api.resource(result.public_id, { cinemagraph_analysis: true })).toMatchObject({ cinemagraph_analysis: { cinemagraph_score: score } });
  });

  it('keeps the score explicit computed for an animation uploaded without one', async () => {
    const { public_id } = await upload(animated, {});
    // Not computed yet: an animation has no score to answer.
    expect(await api.resource(public_id, { cinemagraph_analysis: true })).not.toHaveProperty('cinemagraph_analysis');
    const explicitResult = await explicit(public_id, { cinemagraph_analysis: true, type: 'upload' });
    const { cinemagraph_score: score } = explicitResult.cinemagraph_analysis as { cinemagraph_score: number };
    expect(score).toBeGreaterThan(0.5);
    expect((await api.resource(public_id, { cinemagraph_analysis: true })).cinemagraph_analysis).toEqual({ cinemagraph_score: score });
  });
});

describe('cinemagraph_analysis of a video', () => {
  it('samples the clip and keeps its score', async () => {
    const result = (await cloudinary.uploader.upload(await videoFixture('mp4'), { resource_type: 'video', cinemagraph_analysis: true })) as Result;
    const { cinemagraph_score: score } = result.cinemagraph_analysis as { cinemagraph_score: number };
    // ffmpeg's testsrc2: a still frame and colour bars around a moving part.
    expect(score).toBeGreaterThan(0);
    expect(score).toBeLessThanOrEqual(1);
    expect(await api.resource(result.public_id, { resource_type: 'video', cinemagraph_analysis: true })).toMatchObject({
      cinemagraph_analysis: { cinemagraph_score: score },
    });
  }, 90_000);
});

describe('image_metadata', () => {
  it('is kept at ingest within IMAGE_METADATA_MAX_BYTES, and upload and resource answer the same map', async () => {
    const uploaded = await upload(logo, { image_metadata: true });
    const metadata = uploaded.image_metadata as Record<string, string>;
    expect(metadata).toMatchObject({ ImageWidth: '241', ImageHeight: '51', ColorType: 'RGB' });
    expect(Buffer.byteLength(JSON.stringify(metadata))).toBeLessThanOrEqual(METADATA_BUDGET);
    expect((await api.resource(uploaded.public_id, { image_metadata: true })).image_metadata).toEqual(metadata);
    expect((await api.resource(uploaded.public_id, { media_metadata: true })).image_metadata).toEqual(metadata);
  });

  it('is kept for an upload that did not ask for it, EXIF included', async () => {
    const { public_id } = await upload(camera, {});
    expect((await api.resource(public_id, { image_metadata: true })).image_metadata).toMatchObject({ Make: 'Rendition', Model: 'E2E' });
    expect(await api.resource(public_id)).not.toHaveProperty('image_metadata');
  });

  it('search spec: should include context, tags and image_metadata', async () => {
    const tag = 'analysis_fields_search';
    for (const path of [logo, camera, animated]) await upload(path, { tags: [tag], context: { stage: 'value' } });
    const results = await cloudinary.search.expression(`tags:${tag}`).with_field('context').with_field('tags').with_field('image_metadata').execute();
    expect(results.resources.length).toEqual(3);
    for (const res of results.resources) {
      expect(Object.keys(res.context as Json)).toEqual(['stage']);
      expect(res.image_metadata).toBeTruthy();
      expect(Object.keys(res.image_metadata as Json).length).toBeGreaterThan(0);
    }
    // Without with_field('image_metadata'), none.
    const plain = await cloudinary.search.expression(`tags:${tag}`).execute();
    for (const res of plain.resources) expect(res).not.toHaveProperty('image_metadata');
  });
});
