import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createStreamingProfile,
  describeStreamingProfile,
  listAllStreamingProfiles,
  removeStreamingProfile,
  representationView,
  updateStreamingProfile,
} from '@rendition/admin';
import {
  connectCatalog,
  dropDatabase,
  ensureCloud,
  ensureDatabaseExists,
  findStreamingProfileRepresentations,
  migrateToLatest,
  type CatalogDb,
} from '@rendition/catalog';
import { PREDEFINED_STREAMING_PROFILES, predefinedStreamingProfile } from '@rendition/transform';
import { createTestDatabaseUrl } from '@rendition/testing';

// The streaming-profiles service against a real catalog: predefined profiles from the transform
// table, custom ones and overrides in the cloud's rows, and what the worker's lookup sees of each.

let databaseUrl: string;
let db: CatalogDb;

beforeAll(async () => {
  databaseUrl = createTestDatabaseUrl('streaming-profiles');
  await ensureDatabaseExists(databaseUrl);
  db = connectCatalog(databaseUrl, { poolSize: 2 });
  await migrateToLatest(db);
  await ensureCloud(db, 'demo');
  await ensureCloud(db, 'other');
});

afterAll(async () => {
  await db?.destroy();
  if (databaseUrl) await dropDatabase(databaseUrl);
});

/** What the SDKs send: `representations` as a JSON string of `{transformation: "<string>"}`. */
const reps = (...transformations: string[]) => JSON.stringify(transformations.map((transformation) => ({ transformation })));

async function refusal(promise: Promise<unknown>): Promise<{ status: number; message: string }> {
  try {
    await promise;
  } catch (error) {
    const { status, message } = error as { status: number; message: string };
    return { status, message };
  }
  throw new Error('expected a refusal');
}

describe('representationView', () => {
  it('answers each component as an object with the SDK option names, numbers as numbers, width and height first', () => {
    expect(representationView('br_5m,c_limit,h_1200,w_1200')).toEqual({
      transformation: [{ width: 1200, height: 1200, bit_rate: '5m', crop: 'limit' }],
    });
    expect(Object.keys(representationView('br_5m,c_limit,h_1200,w_1200').transformation[0]!)).toEqual(['width', 'height', 'bit_rate', 'crop']);
    expect(representationView('c_scale,w_1920/br_2500k,vc_h264:high:4.0/ac_aac,fps_30,q_80')).toEqual({
      transformation: [
        { width: 1920, crop: 'scale' },
        { bit_rate: '2500k', video_codec: 'h264:high:4.0' },
        { audio_codec: 'aac', fps: 30, quality: 80 },
      ],
    });
  });
});

describe('streaming profiles', () => {
  it('lists the predefined profiles in table order, before custom ones sorted by name', async () => {
    await createStreamingProfile(db, 'demo', { name: 'zeta', representations: reps('w_100') });
    await createStreamingProfile(db, 'demo', { name: 'Alpha', display_name: 'First', representations: reps('w_200') });
    const { data } = (await listAllStreamingProfiles(db, 'demo')) as { data: Array<Record<string, unknown>> };
    const predefined = PREDEFINED_STREAMING_PROFILES.map((p) => ({ name: p.name, display_name: p.displayName, predefined: true }));
    expect(data).toEqual([
      ...predefined,
      { name: 'Alpha', display_name: 'First', predefined: false },
      { name: 'zeta', display_name: null, predefined: false },
    ]);
    for (const name of ['4k', 'full_hd', 'hd', 'sd', 'full_hd_wifi', 'full_hd_lean', 'hd_lean']) expect(data.map((p) => p.name)).toContain(name);
    // Another cloud sees none of them.
    const other = (await listAllStreamingProfiles(db, 'other')) as { data: unknown[] };
    expect(other.data).toEqual(predefined);
    await removeStreamingProfile(db, 'demo', 'zeta');
    await removeStreamingProfile(db, 'demo', 'Alpha');
  });

  it('describes a predefined profile with parsed representations', async () => {
    const { data } = (await describeStreamingProfile(db, 'demo', 'full_hd')) as { data: Record<string, unknown> };
    const table = predefinedStreamingProfile('full_hd')!;
    expect(data).toEqual({
      name: 'full_hd',
      display_name: table.displayName,
      predefined: true,
      representations: table.representations.map(representationView),
    });
    const first = (data.representations as Array<{ transformation: Array<Record<string, unknown>> }>)[0]!.transformation[0]!;
    expect(first).toMatchObject({ width: expect.any(Number), height: expect.any(Number), crop: 'limit', bit_rate: expect.any(String) });
  });

  it('creates a custom profile, canonicalising each representation, and answers it parsed', async () => {
    const created = await createStreamingProfile(db, 'demo', {
      name: 'custom_sp',
      display_name: 'Custom',
      representations: reps('w_1200,h_1200,c_limit,br_5m', 'c_scale,w_640/vc_h264'),
    });
    expect(created).toEqual({
      message: 'created',
      data: {
        name: 'custom_sp',
        display_name: 'Custom',
        predefined: false,
        representations: [
          { transformation: [{ width: 1200, height: 1200, bit_rate: '5m', crop: 'limit' }] },
          { transformation: [{ width: 640, crop: 'scale' }, { video_codec: 'h264' }] },
        ],
      },
    });
    expect(await describeStreamingProfile(db, 'demo', 'custom_sp')).toEqual({ data: (created as { data: unknown }).data });
    expect(await findStreamingProfileRepresentations(db, 'demo', 'custom_sp')).toEqual(['br_5m,c_limit,h_1200,w_1200', 'c_scale,w_640/vc_h264']);
    expect(await findStreamingProfileRepresentations(db, 'other', 'custom_sp')).toBeUndefined();
  });

  it('refuses a second profile of the same name, and the name of a predefined one, with 409', async () => {
    expect(await refusal(createStreamingProfile(db, 'demo', { name: 'custom_sp', representations: reps('w_10') }))).toEqual({
      status: 409,
      message: 'Streaming profile custom_sp already exists',
    });
    expect(await refusal(createStreamingProfile(db, 'demo', { name: 'hd', representations: reps('w_10') }))).toEqual({
      status: 409,
      message: 'Streaming profile hd already exists',
    });
  });

  it('refuses bad input with 400: missing or bad name, missing or malformed representations, a bad transformation', async () => {
    expect(await refusal(createStreamingProfile(db, 'demo', { representations: reps('w_10') }))).toEqual({
      status: 400,
      message: 'Missing required parameter - name',
    });
    expect((await refusal(createStreamingProfile(db, 'demo', { name: 'bad name', representations: reps('w_10') }))).status).toBe(400);
    expect((await refusal(createStreamingProfile(db, 'demo', { name: 'a/b', representations: reps('w_10') }))).status).toBe(400);
    expect(await refusal(createStreamingProfile(db, 'demo', { name: 'no_reps' }))).toEqual({
      status: 400,
      message: 'Missing required parameter - representations',
    });
    for (const representations of ['not json', '[]', '{"transformation":"w_10"}', '[{"transformation":""}]', '["w_10"]', '[{"transformation":5}]']) {
      const refused = await refusal(createStreamingProfile(db, 'demo', { name: 'malformed', representations }));
      expect(refused.status).toBe(400);
      expect(refused.message).toContain('representations');
    }
    const tooMany = reps(...Array.from({ length: 17 }, (_, i) => `w_${i + 1}`));
    expect((await refusal(createStreamingProfile(db, 'demo', { name: 'too_many', representations: tooMany }))).status).toBe(400);
    expect(await refusal(createStreamingProfile(db, 'demo', { name: 'bad_t', representations: reps('w_100', 'w_abc') }))).toEqual({
      status: 400,
      message: 'Invalid width in transformation: abc',
    });
    expect(await findStreamingProfileRepresentations(db, 'demo', 'bad_t')).toBeUndefined();
  });

  it('updates a custom profile: representations only keep the display name, display_name only keeps the representations', async () => {
    expect(await updateStreamingProfile(db, 'demo', 'custom_sp', { representations: reps('w_1000,h_1000,c_scale,br_4m') })).toEqual({
      message: 'updated',
      data: {
        name: 'custom_sp',
        display_name: 'Custom',
        predefined: false,
        representations: [{ transformation: [{ width: 1000, height: 1000, bit_rate: '4m', crop: 'scale' }] }],
      },
    });
    const renamed = (await updateStreamingProfile(db, 'demo', 'custom_sp', { display_name: 'Renamed' })) as { data: Record<string, unknown> };
    expect(renamed.data).toMatchObject({ display_name: 'Renamed', representations: [{ transformation: [{ width: 1000 }] }] });
    expect(await findStreamingProfileRepresentations(db, 'demo', 'custom_sp')).toEqual(['br_4m,c_scale,h_1000,w_1000']);
    expect((await refusal(updateStreamingProfile(db, 'demo', 'custom_sp', {}))).status).toBe(400);
    expect((await refusal(updateStreamingProfile(db, 'demo', 'custom_sp', { representations: reps('foo_bar') }))).status).toBe(400);
  });

  it('overrides a predefined profile on update, and a delete reverts it', async () => {
    const table = predefinedStreamingProfile('sd')!;
    expect(await findStreamingProfileRepresentations(db, 'demo', 'sd')).toBeUndefined();
    const updated = (await updateStreamingProfile(db, 'demo', 'sd', { representations: reps('w_320,h_240,c_limit,br_300k') })) as {
      data: Record<string, unknown>;
    };
    expect(updated.data).toEqual({
      name: 'sd',
      display_name: table.displayName,
      predefined: true,
      representations: [{ transformation: [{ width: 320, height: 240, bit_rate: '300k', crop: 'limit' }] }],
    });
    expect(await findStreamingProfileRepresentations(db, 'demo', 'sd')).toEqual(['br_300k,c_limit,h_240,w_320']);
    expect(await findStreamingProfileRepresentations(db, 'other', 'sd')).toBeUndefined();
    // A display name alone keeps the overridden representations; the list shows it, still predefined and in place.
    await updateStreamingProfile(db, 'demo', 'sd', { display_name: 'My SD' });
    expect(await findStreamingProfileRepresentations(db, 'demo', 'sd')).toEqual(['br_300k,c_limit,h_240,w_320']);
    const { data } = (await listAllStreamingProfiles(db, 'demo')) as { data: Array<Record<string, unknown>> };
    expect(data.filter((p) => p.name === 'sd')).toEqual([{ name: 'sd', display_name: 'My SD', predefined: true }]);
    expect(data.findIndex((p) => p.name === 'sd')).toBe(PREDEFINED_STREAMING_PROFILES.findIndex((p) => p.name === 'sd'));

    expect(await removeStreamingProfile(db, 'demo', 'sd')).toEqual({ message: 'deleted' });
    expect(await findStreamingProfileRepresentations(db, 'demo', 'sd')).toBeUndefined();
    expect(await describeStreamingProfile(db, 'demo', 'sd')).toEqual({
      data: { name: 'sd', display_name: table.displayName, predefined: true, representations: table.representations.map(representationView) },
    });
    // Reverting a predefined profile that has no override is already done.
    expect(await removeStreamingProfile(db, 'demo', 'sd')).toEqual({ message: 'deleted' });
  });

  it('deletes a custom profile; an unknown one is 404 for get, update and delete', async () => {
    expect(await removeStreamingProfile(db, 'demo', 'custom_sp')).toEqual({ message: 'deleted' });
    const missing = { status: 404, message: 'Streaming profile custom_sp not found' };
    expect(await refusal(describeStreamingProfile(db, 'demo', 'custom_sp'))).toEqual(missing);
    expect(await refusal(removeStreamingProfile(db, 'demo', 'custom_sp'))).toEqual(missing);
    expect(await refusal(updateStreamingProfile(db, 'demo', 'custom_sp', { representations: reps('w_10') }))).toEqual(missing);
    expect((await refusal(describeStreamingProfile(db, 'demo', 'bad name'))).status).toBe(404);
  });
});
