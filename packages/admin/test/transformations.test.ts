import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createNamedTransformation,
  describeTransformation,
  listTransformationsPage,
  removeTransformation,
  updateTransformation,
} from '@rendition/admin';
import {
  connectCatalog,
  dropDatabase,
  ensureCloud,
  ensureDatabaseExists,
  findNamedTransformation,
  isAllowedForStrict,
  migrateToLatest,
  namedAllowedForStrict,
  type CatalogDb,
} from '@rendition/catalog';
import { createTestDatabaseUrl } from '@rendition/testing';

// The transformations service against a real catalog: named definitions with their flag and extension,
// implicit texts' allowed_for_strict, the listing and its cursor. (Derivatives: e2e/admin-transformations.)

let databaseUrl: string;
let db: CatalogDb;
const deps = () => ({ db, publicBaseUrl: 'http://x', secureBaseUrl: 'https://x' });
const caller = { cloudName: 'demo', apiSecret: 'secret' };
const noDerivatives = async () => {};

beforeAll(async () => {
  databaseUrl = createTestDatabaseUrl('admin-transformations');
  await ensureDatabaseExists(databaseUrl);
  db = connectCatalog(databaseUrl, { poolSize: 2 });
  await migrateToLatest(db);
  await ensureCloud(db, 'demo');
});

afterAll(async () => {
  await db?.destroy();
  if (databaseUrl) await dropDatabase(databaseUrl);
});

const status = (promise: Promise<unknown>) =>
  promise.then(
    () => 200,
    (error: { status?: number }) => error.status,
  );

describe('named transformations', () => {
  it('keeps an empty format, is allowed for strict when created, and takes both kinds of update', async () => {
    await createNamedTransformation(db, 'demo', { name: 'empty_fmt', transformation: 'w_102,c_scale/' });
    expect(await findNamedTransformation(db, 'demo', 'empty_fmt')).toBe('c_scale,w_102');
    expect(await describeTransformation(deps(), caller, { transformation: 'empty_fmt' })).toEqual({
      name: 't_empty_fmt',
      allowed_for_strict: true,
      used: false,
      named: true,
      info: [{ crop: 'scale', width: 102, extension: 'none' }],
      derived: [],
    });
    expect(await namedAllowedForStrict(db, 'demo', ['empty_fmt'])).toBe(true);
    await updateTransformation(db, 'demo', { transformation: 't_empty_fmt', allowed_for_strict: 'false' });
    expect(await namedAllowedForStrict(db, 'demo', ['empty_fmt'])).toBe(false);
    await updateTransformation(db, 'demo', { transformation: 'empty_fmt', unsafe_update: 'c_fit,w_5' });
    expect(await describeTransformation(deps(), caller, { transformation: 'empty_fmt' })).toMatchObject({
      allowed_for_strict: false,
      info: [{ crop: 'fit', width: 5 }],
    });
    expect(await status(updateTransformation(db, 'demo', { transformation: 'empty_fmt' }))).toBe(400);
    await removeTransformation(db, 'demo', { transformation: 'empty_fmt' }, noDerivatives);
    expect(await status(describeTransformation(deps(), caller, { transformation: 'empty_fmt' }))).toBe(404);
    expect(await status(removeTransformation(db, 'demo', { transformation: 'empty_fmt' }, noDerivatives))).toBe(404);
  });
});

describe('implicit transformations', () => {
  it('stores allowed_for_strict by canonical text, lists it, and forgets it on delete', async () => {
    expect(await status(describeTransformation(deps(), caller, { transformation: 'c_scale,w_77' }))).toBe(404);
    await updateTransformation(db, 'demo', { transformation: 'w_77,c_scale', allowed_for_strict: 'true' });
    expect(await isAllowedForStrict(db, 'demo', 'c_scale,w_77')).toBe(true);
    expect(await describeTransformation(deps(), caller, { transformation: 'c_scale,w_77' })).toEqual({
      name: 'c_scale,w_77',
      allowed_for_strict: true,
      used: false,
      named: false,
      info: [{ crop: 'scale', width: 77 }],
      derived: [],
    });
    expect(await status(updateTransformation(db, 'demo', { transformation: 'c_scale,w_77', unsafe_update: 'w_1' }))).toBe(400);
    await createNamedTransformation(db, 'demo', { name: 'a_named', transformation: 'w_1' });
    const first = await listTransformationsPage(db, 'demo', { max_results: '1' });
    expect(first).toEqual({
      transformations: [{ name: 'c_scale,w_77', allowed_for_strict: true, used: false, named: false }],
      next_cursor: expect.any(String),
    });
    const second = await listTransformationsPage(db, 'demo', { max_results: '1', next_cursor: first.next_cursor as string });
    expect(second).toEqual({ transformations: [{ name: 't_a_named', allowed_for_strict: true, used: false, named: true }] });
    expect(await listTransformationsPage(db, 'demo', { named: 'true' })).toEqual(second);
    await removeTransformation(db, 'demo', { transformation: 'c_scale,w_77' }, noDerivatives);
    expect(await isAllowedForStrict(db, 'demo', 'c_scale,w_77')).toBe(false);
    expect(await status(describeTransformation(deps(), caller, { transformation: 'bogus_name' }))).toBe(404);
    expect(await status(describeTransformation(deps(), caller, { transformation: 'w_abc,c_nope' }))).toBe(400);
  });
});
