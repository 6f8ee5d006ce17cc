import { beforeAll, describe, expect, it } from 'vitest';
import {
  commitAssetVersion,
  ensureCloud,
  findAssetByVersionId,
  findDerivationStart,
  findDerived,
  recordDerived,
  runWithStatementTally,
  type AssetRecord,
} from '@rendition/catalog';
import { assetRecordFixture, hex32, useTestCatalog } from '@rendition/testing';

// findDerivationStart: a derive job's first read, the stored derivative or the asset it is made from, in one statement.

const catalog = useTestCatalog('derivation-start');
const CLOUD = 'derivation-start';
let asset: AssetRecord;

beforeAll(async () => {
  await ensureCloud(catalog.db, CLOUD);
  const committed = await commitAssetVersion(catalog.db, { asset: assetRecordFixture('start/photo', { cloudName: CLOUD }), overwrite: false });
  if (committed.kind !== 'created') throw new Error(`unexpected commit ${committed.kind}`);
  asset = committed.asset;
});

const keyOf = (transformationHash: string, format = 'jpg') => ({ assetId: asset.assetId, versionId: asset.versionId, transformationHash, format });

/** The start and how many statements reading it took. */
async function counted(key: ReturnType<typeof keyOf>) {
  const tally = { statements: 0 };
  const start = await runWithStatementTally(tally, () => findDerivationStart(catalog.db, key));
  return { start, statements: tally.statements };
}

describe('findDerivationStart', () => {
  it('answers the asset of the version while no derivative of the key is stored, in one statement', async () => {
    const { start, statements } = await counted(keyOf('h-none'));
    expect(statements).toBe(1);
    expect(start).toEqual({ kind: 'source', asset: await findAssetByVersionId(catalog.db, asset.versionId) });
  });

  it('answers the stored derivative of exactly that key, as findDerived reads it', async () => {
    await recordDerived(catalog.db, {
      ...keyOf('h-stored', 'webp'),
      transformation: 'w_10',
      storageKey: `assets/${asset.assetId}/${asset.versionId}/derived/h-stored.webp`,
      contentType: 'image/webp',
      bytes: 1234,
      width: 10,
      height: null,
      etag: 'a'.repeat(32),
    });
    const { start, statements } = await counted(keyOf('h-stored', 'webp'));
    expect(statements).toBe(1);
    const derived = await findDerived(catalog.db, keyOf('h-stored', 'webp'));
    expect(derived).toMatchObject({ bytes: 1234, width: 10, height: null, etag: 'a'.repeat(32), transformation: 'w_10' });
    expect(start).toEqual({ kind: 'existing', derived });
    // Another format or hash of the same version: not that derivative.
    expect((await counted(keyOf('h-stored', 'png'))).start).toMatchObject({ kind: 'source' });
    expect((await counted(keyOf('h-other', 'webp'))).start).toMatchObject({ kind: 'source' });
  });

  it('answers gone for a version that does not exist', async () => {
    const { start, statements } = await counted({ ...keyOf('h-none'), versionId: hex32() });
    expect(statements).toBe(1);
    expect(start).toEqual({ kind: 'gone' });
  });
});
