import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUploadMapping, readUploadMappings, removeUploadMapping, updateUploadMappingCommand } from '@rendition/admin';
import { connectCatalog, dropDatabase, ensureCloud, ensureDatabaseExists, migrateToLatest, type CatalogDb } from '@rendition/catalog';
import { createTestDatabaseUrl } from '@rendition/testing';

// The upload-mappings service against a real catalog: per-cloud storage, the list's cursor, and the
// refusals the Admin API answers.

let databaseUrl: string;
let db: CatalogDb;

beforeAll(async () => {
  databaseUrl = createTestDatabaseUrl('upload-mappings');
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

async function refusal(promise: Promise<unknown>): Promise<{ status: number; message: string }> {
  try {
    await promise;
  } catch (error) {
    const { status, message } = error as { status: number; message: string };
    return { status, message };
  }
  throw new Error('expected a refusal');
}

describe('upload mappings', () => {
  it('creates, describes, updates, lists and deletes a mapping, per cloud', async () => {
    expect(await createUploadMapping(db, 'demo', { folder: 'wiki', template: 'https://upload.wikimedia.org/wikipedia' })).toEqual({
      message: 'created',
      folder: 'wiki',
    });
    expect(await readUploadMappings(db, 'demo', { folder: 'wiki' })).toEqual({ folder: 'wiki', template: 'https://upload.wikimedia.org/wikipedia' });
    expect(await updateUploadMappingCommand(db, 'demo', { folder: 'wiki', template: 'https://example.com/' })).toEqual({ message: 'updated' });
    expect(await readUploadMappings(db, 'demo', { folder: 'wiki' })).toEqual({ folder: 'wiki', template: 'https://example.com/' });
    expect(await readUploadMappings(db, 'demo', {})).toEqual({ mappings: [{ folder: 'wiki', template: 'https://example.com/' }] });
    // Another cloud sees none of it.
    expect(await readUploadMappings(db, 'other', {})).toEqual({ mappings: [] });
    expect(await refusal(readUploadMappings(db, 'other', { folder: 'wiki' }))).toEqual({ status: 404, message: 'Upload mapping not found - wiki' });
    expect(await removeUploadMapping(db, 'demo', { folder: 'wiki' })).toEqual({ message: 'deleted' });
    expect(await readUploadMappings(db, 'demo', {})).toEqual({ mappings: [] });
    expect(await refusal(removeUploadMapping(db, 'demo', { folder: 'wiki' }))).toEqual({ status: 404, message: 'Upload mapping not found - wiki' });
  });

  it('pages the list in folder order with a cursor', async () => {
    for (const folder of ['b', 'a', 'C', 'd']) await createUploadMapping(db, 'other', { folder, template: `https://${folder}.example.com` });
    const first = (await readUploadMappings(db, 'other', { max_results: '3' })) as { mappings: Array<{ folder: string }>; next_cursor: string };
    expect(first.mappings.map((mapping) => mapping.folder)).toEqual(['C', 'a', 'b']);
    const second = await readUploadMappings(db, 'other', { max_results: '3', next_cursor: first.next_cursor });
    expect(second).toEqual({ mappings: [{ folder: 'd', template: 'https://d.example.com' }] });
    expect(await refusal(readUploadMappings(db, 'other', { max_results: '0' }))).toMatchObject({ status: 400 });
    expect(await refusal(readUploadMappings(db, 'other', { next_cursor: '!!' }))).toEqual({ status: 400, message: 'Invalid next_cursor !!' });
  });

  it('refuses a duplicate, a missing folder or template, and a template that is no http(s) URL', async () => {
    await createUploadMapping(db, 'demo', { folder: 'dup', template: 'https://example.com' });
    expect(await refusal(createUploadMapping(db, 'demo', { folder: 'dup', template: 'https://example.org' }))).toEqual({
      status: 409,
      message: 'Upload mapping dup already exists',
    });
    expect(await refusal(createUploadMapping(db, 'demo', { template: 'https://example.com' }))).toEqual({
      status: 400,
      message: 'Missing required parameter - folder',
    });
    expect(await refusal(createUploadMapping(db, 'demo', { folder: 'x' }))).toEqual({ status: 400, message: 'Missing required parameter - template' });
    expect(await refusal(createUploadMapping(db, 'demo', { folder: 'x', template: 'ftp://example.com' }))).toMatchObject({
      status: 400,
      message: expect.stringContaining('for parameter template: expected an http or https URL prefix'),
    });
    expect(await refusal(updateUploadMappingCommand(db, 'demo', { folder: 'nope', template: 'https://example.com' }))).toEqual({
      status: 404,
      message: 'Upload mapping not found - nope',
    });
    expect(await refusal(createUploadMapping(db, 'demo', { folder: 'x'.repeat(256), template: 'https://example.com' }))).toMatchObject({ status: 400 });
  });
});
