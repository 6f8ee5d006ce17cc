import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setStrictTransformations } from '@rendition/catalog';
import type { CloudinarySdk } from '@rendition/testing';
import { sdkFor, startTestCluster, type TestCluster } from './support/test-cluster.ts';

// The transformations block of the SDK's test/integration/api/admin/api_spec.js (issue 20): named and
// implicit transformations through the official SDK calls.

type Transformation = Record<string, unknown> & { name: string; info: unknown[]; derived?: Array<Record<string, unknown>>; next_cursor?: string };
type Listing = { transformations: Array<Record<string, unknown> & { name: string }>; next_cursor?: string };

const TAG = 'xyz_tag';
const EXPLICIT = { width: 100, crop: 'scale', overlay: `text:Arial_60:${TAG}` };
const EXPLICIT_NAME = `c_scale,l_text:Arial_60:${TAG},w_100`;

/** The SDK's transformations calls (the shared CloudinarySdk type names only some of them). */
interface TransformationsApi {
  transformations(options?: Record<string, unknown>): Promise<unknown>;
  transformation(name: string | Record<string, unknown>, options?: Record<string, unknown>): Promise<unknown>;
  create_transformation(name: string, definition: Record<string, unknown>): Promise<unknown>;
  update_transformation(name: string, updates: Record<string, unknown>): Promise<unknown>;
  delete_transformation(name: string): Promise<unknown>;
  resource(publicId: string): Promise<unknown>;
}

let cluster: TestCluster;
let cloudinary: CloudinarySdk;
let api: TransformationsApi;

beforeAll(async () => {
  cluster = await startTestCluster();
  cloudinary = sdkFor(cluster);
  api = cloudinary.api as unknown as TransformationsApi;
  const png = await sharp({ create: { width: 40, height: 30, channels: 3, background: '#3366cc' } })
    .png()
    .toBuffer();
  const file = `data:image/png;base64,${png.toString('base64')}`;
  for (const publicId of ['t1', 't2', 't3']) await cloudinary.uploader.upload(file, { public_id: publicId, eager: [EXPLICIT] });
}, 60_000);

afterAll(async () => {
  await cluster?.stop();
});

function sdkUrl(publicId: string, options: Record<string, unknown>): string {
  return cloudinary.url(publicId, { secure: false, cname: new URL(cluster.baseUrl).host, urlAnalytics: false, analytics: false, ...options });
}

const httpCode = async (promise: Promise<unknown>): Promise<number | undefined> =>
  promise.then(
    () => undefined,
    (failure: { error?: { http_code?: number } }) => failure.error?.http_code,
  );

describe('transformations (api_spec.js)', () => {
  it('lists implicit transformations with used, and pages with a cursor', async () => {
    await api.create_transformation('listed_one', { crop: 'scale', width: 50 });
    const all = (await api.transformations()) as Listing;
    expect(all.transformations).toContainEqual({ name: EXPLICIT_NAME, allowed_for_strict: false, used: true, named: false });
    expect(all.transformations).toContainEqual({ name: 't_listed_one', allowed_for_strict: true, used: false, named: true });
    expect(all.transformations[0]).toHaveProperty('used');
    const first = (await api.transformations({ max_results: 1 })) as Listing;
    expect(first.transformations).toHaveLength(1);
    expect(first.next_cursor).toBeTypeOf('string');
    const second = (await api.transformations({ max_results: 1, next_cursor: first.next_cursor })) as Listing;
    expect(second.transformations[0]?.name).not.toBe(first.transformations[0]?.name);
    const named = (await api.transformations({ named: true })) as Listing;
    expect(named.transformations.map((item) => item.named)).toEqual(named.transformations.map(() => true));
    const implicit = (await api.transformations({ named: false })) as Listing;
    expect(implicit.transformations.map((item) => item.name)).toEqual([EXPLICIT_NAME]);
    await api.delete_transformation('listed_one');
  });

  it('answers an implicit transformation by its text and by its options, with its derivatives', async () => {
    const byName = (await api.transformation(EXPLICIT_NAME)) as Transformation;
    expect(byName).toMatchObject({ name: EXPLICIT_NAME, named: false, used: true, allowed_for_strict: false, info: [EXPLICIT] });
    expect(byName.derived?.map((item) => item.public_id).sort()).toEqual(['t1', 't2', 't3']);
    expect(byName.derived?.[0]).toMatchObject({ resource_type: 'image', type: 'upload', format: 'png', id: expect.any(String) });
    const byInfo = (await api.transformation(EXPLICIT)) as Transformation;
    expect(byInfo.info).toEqual([EXPLICIT]);
    const paged = (await api.transformation(EXPLICIT_NAME, { max_results: 2 })) as Transformation;
    expect(paged.derived).toHaveLength(2);
    const rest = (await api.transformation(EXPLICIT_NAME, { max_results: 2, next_cursor: paged.next_cursor })) as Transformation;
    expect(rest.derived).toHaveLength(1);
    expect(rest.next_cursor).toBeUndefined();
    expect(await httpCode(api.transformation('c_scale,w_4321'))).toBe(404);
    expect(await httpCode(api.transformation('no_such_named_one'))).toBe(404);
  });

  it('updates allowed_for_strict of an implicit transformation, and strict delivery honours it', async () => {
    await api.update_transformation(EXPLICIT_NAME, { allowed_for_strict: true });
    expect(((await api.transformation(EXPLICIT_NAME)) as Transformation).allowed_for_strict).toBe(true);
    const db = cluster.cluster.services.db;
    await api.update_transformation('c_scale,w_33', { allowed_for_strict: true });
    await setStrictTransformations(db, cluster.cloud, true);
    try {
      expect((await fetch(sdkUrl('t1', { width: 33, crop: 'scale', format: 'jpg' }))).status).toBe(200);
      expect((await fetch(sdkUrl('t1', { width: 34, crop: 'scale', format: 'jpg' }))).status).toBe(401);
      await api.create_transformation('strict_named', { crop: 'scale', width: 21 });
      expect((await fetch(sdkUrl('t1', { transformation: 'strict_named', format: 'jpg' }))).status).toBe(200);
      await api.update_transformation('strict_named', { allowed_for_strict: false });
      expect((await fetch(sdkUrl('t2', { transformation: 'strict_named', format: 'jpg' }))).status).toBe(401);
    } finally {
      await setStrictTransformations(db, cluster.cloud, false);
    }
    await api.update_transformation(EXPLICIT_NAME, { allowed_for_strict: false });
    expect(((await api.transformation(EXPLICIT_NAME)) as Transformation).allowed_for_strict).toBe(false);
    await api.delete_transformation('strict_named');
  });

  it('creates named transformations allowed for strict, with info objects and an empty format kept', async () => {
    await api.create_transformation('named_one', { crop: 'scale', width: 102 });
    expect(await api.transformation('named_one')).toMatchObject({
      allowed_for_strict: true,
      used: false,
      info: [{ crop: 'scale', width: 102 }],
    });
    await api.create_transformation('named_two', { crop: 'scale', width: 102, format: '' });
    expect(((await api.transformation('named_two')) as Transformation).info).toEqual([{ crop: 'scale', width: 102, extension: 'none' }]);
    await api.update_transformation('named_one', { unsafe_update: { crop: 'scale', width: 103 } });
    expect(((await api.transformation('named_one')) as Transformation).info).toEqual([{ crop: 'scale', width: 103 }]);
    await api.delete_transformation('named_one');
    expect(await httpCode(api.transformation('named_one'))).toBe(404);
    await api.delete_transformation('named_two');
  });

  it('deletes an implicit transformation with its derivatives', async () => {
    expect(await api.transformation(EXPLICIT_NAME)).toBeTypeOf('object');
    expect(await api.delete_transformation(EXPLICIT_NAME)).toMatchObject({ message: 'deleted' });
    expect(await httpCode(api.transformation(EXPLICIT_NAME))).toBe(404);
    const resource = (await api.resource('t3')) as { derived: Array<{ transformation: string }> };
    expect(resource.derived.map((item) => item.transformation)).not.toContain(EXPLICIT_NAME);
    expect(resource.derived).toEqual([]);
    expect(await httpCode(api.delete_transformation(EXPLICIT_NAME))).toBe(404);
  });
});
