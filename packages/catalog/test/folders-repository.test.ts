import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectCatalog,
  deleteEmptyFolder,
  dropDatabase,
  ensureCloud,
  ensureDatabaseExists,
  folderExists,
  keepAssetFolder,
  listChildFolders,
  migrateToLatest,
  type CatalogDb,
} from '@rendition/catalog';
import { createTestDatabaseUrl } from '@rendition/testing';

// Folders an upload files an asset in outlive the asset (issue 20; asset-management.md "Folders").

let databaseUrl: string;
let db: CatalogDb;
const cloudName = 'folders-cloud';

beforeAll(async () => {
  databaseUrl = createTestDatabaseUrl('folders');
  await ensureDatabaseExists(databaseUrl);
  db = connectCatalog(databaseUrl, { poolSize: 2 });
  await migrateToLatest(db);
  await ensureCloud(db, cloudName);
});

afterAll(async () => {
  await db?.destroy();
  if (databaseUrl) await dropDatabase(databaseUrl);
});

const children = async (parent: string) => (await listChildFolders(db, { cloudName, parent, maxResults: 10 })).folders.map((folder) => folder.path);

describe('keepAssetFolder', () => {
  it('makes the folder and its ancestors explicit, idempotently', async () => {
    await keepAssetFolder(db, cloudName, 'a/b/c');
    await keepAssetFolder(db, cloudName, 'a/b/c');
    expect(await children('')).toEqual(['a']);
    expect(await children('a')).toEqual(['a/b']);
    expect(await children('a/b')).toEqual(['a/b/c']);
    expect(await folderExists(db, cloudName, 'a/b/c')).toBe(true);
  });

  it('makes nothing for the root or a path with an empty element', async () => {
    await keepAssetFolder(db, cloudName, '');
    await keepAssetFolder(db, cloudName, 'x//y');
    expect(await folderExists(db, cloudName, 'x')).toBe(false);
    expect(await children('')).toEqual(['a']);
  });

  it('leaves the folder to delete_folder, which removes it and keeps its parent', async () => {
    expect(await deleteEmptyFolder(db, cloudName, 'a/b/c')).toEqual({ kind: 'deleted', paths: ['a/b/c'] });
    expect(await folderExists(db, cloudName, 'a/b/c')).toBe(false);
    expect(await children('a/b')).toEqual([]);
    expect(await folderExists(db, cloudName, 'a/b')).toBe(true);
  });
});
