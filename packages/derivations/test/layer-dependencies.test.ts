import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commitAssetVersion, createApiKey, type AssetRecord } from '@rendition/catalog';
import { ApiError } from '@rendition/protocol';
import { parseTransformation, planHash } from '@rendition/transform';
import { hex32, startDomainTestServices, type DomainTestServices } from '@rendition/testing';
import { currentDerivativeHash, derivativeHash, layerAssetSize, projectWithLayers, resolveLayerAssets } from '@rendition/derivations';

let services: DomainTestServices;

beforeAll(async () => {
  services = await startDomainTestServices('layer-deps');
});

afterAll(async () => {
  await services?.stop();
});

/** Commits a new version of an image (overwriting): only the catalog row matters here. */
async function commitImage(publicId: string, fields: Partial<AssetRecord> = {}): Promise<AssetRecord> {
  const versionId = hex32();
  const committed = await commitAssetVersion(services.db, {
    overwrite: true,
    asset: {
      cloudName: 'demo',
      resourceType: 'image',
      type: 'upload',
      publicId,
      assetId: hex32(),
      version: Math.floor(Date.now() / 1000),
      versionId,
      format: 'png',
      width: 120,
      height: 40,
      pages: 1,
      bytes: 1_000,
      etag: 'e'.repeat(32),
      contentType: 'image/png',
      storageKey: `originals/${versionId}`,
      tags: [],
      context: {},
      metadata: {},
      assetFolder: '',
      displayName: publicId,
      originalFilename: null,
      accessMode: 'public',
      createdAt: new Date(),
      ...fields,
    },
  });
  if (committed.kind !== 'created' && committed.kind !== 'overwritten') throw new Error(`unexpected commit ${committed.kind}`);
  return committed.asset;
}

async function refusal(promise: Promise<unknown>): Promise<ApiError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(ApiError);
  return error as ApiError;
}

const version = (versionId: string) => ({ asset: { versionId } as AssetRecord });

describe('derivativeHash', () => {
  const plan = parseTransformation('c_scale,w_100');

  it('is planHash without asset layers: derivatives without them keep their keys', () => {
    expect(derivativeHash(plan, [])).toBe(planHash(plan));
  });

  it('mixes in the overlay versions: sorted and de-duplicated, and another version is another key', () => {
    const [a, b, c] = ['a'.repeat(32), 'b'.repeat(32), 'c'.repeat(32)];
    const hash = derivativeHash(plan, [version(a), version(b)]);
    expect(hash).toMatch(/^[0-9a-f]{16}$/);
    expect(hash).not.toBe(planHash(plan));
    expect(derivativeHash(plan, [version(b), version(a), version(a)])).toBe(hash);
    expect(derivativeHash(plan, [version(a), version(c)])).not.toBe(hash);
    expect(derivativeHash(parseTransformation('c_scale,w_101'), [version(a), version(b)])).not.toBe(hash);
  });
});

describe('resolveLayerAssets (with the layer parser)', () => {
  it("resolves an overlay and an underlay to their assets' current versions, nested layers and folders included", async () => {
    const logo = await commitImage('brand/logo');
    const paper = await commitImage('paper');
    const plan = parseTransformation('l_brand:logo,w_50/fl_layer_apply,g_north_east/u_paper/fl_layer_apply');
    const resolved = await resolveLayerAssets(services.db, 'demo', plan);
    expect(resolved.map((layer) => [layer.source.publicId, layer.asset.versionId])).toEqual([
      ['brand/logo', logo.versionId],
      ['paper', paper.versionId],
    ]);
    expect(layerAssetSize(resolved, resolved[0]!.source)).toEqual({ width: 120, height: 40 });
    expect(layerAssetSize(resolved, { kind: 'fetch', url: 'https://example.com/a.png' })).toBeUndefined();
  });

  it('projects asset layers with their stored sizes, refusing one that grows the output beyond the limits', async () => {
    await commitImage('wide', { width: 6_000, height: 10 });
    const base = { width: 400, height: 300, format: 'png' };
    const limits = { maxDimension: 5_000, maxPixels: 50_000_000 };
    const scaled = parseTransformation('l_brand:logo,w_50/fl_layer_apply');
    const geometry = projectWithLayers(scaled, base, limits, await resolveLayerAssets(services.db, 'demo', scaled));
    expect(geometry.components[0]!.layer?.geometry.output.width).toBe(50);
    const wide = parseTransformation('l_wide/fl_layer_apply');
    const error = await refusal(
      Promise.resolve().then(async () => projectWithLayers(wide, base, limits, await resolveLayerAssets(services.db, 'demo', wide))),
    );
    expect(error.message).toContain('exceeds the maximum');
    // Without the layer's size (text, fetch, unprobed) the projection leaves it to the executor.
    expect(projectWithLayers(wide, base, limits, []).output).toEqual({ width: 400, height: 300 });
  });

  it('gives the derivative a new key when an overlay asset is overwritten', async () => {
    await commitImage('stamp');
    const plan = parseTransformation('l_stamp/fl_layer_apply');
    const before = await currentDerivativeHash(services.db, 'demo', plan);
    expect(before.hash).not.toBe(planHash(plan));
    expect((await currentDerivativeHash(services.db, 'demo', plan)).hash).toBe(before.hash);
    await commitImage('stamp');
    expect((await currentDerivativeHash(services.db, 'demo', plan)).hash).not.toBe(before.hash);
  });

  it('refuses a missing overlay, one of another cloud or delivery type, and one moderation rejected, with a 400', async () => {
    await commitImage('private-only', { type: 'private' });
    await commitImage('rejected', { moderationStatus: 'rejected' });
    for (const [text, name] of [
      ['l_nothing-here/fl_layer_apply', 'nothing-here'],
      ['l_private-only/fl_layer_apply', 'private-only'],
      ['l_rejected/fl_layer_apply', 'rejected'],
    ] as const) {
      const error = await refusal(resolveLayerAssets(services.db, 'demo', parseTransformation(text)));
      expect([error.status, error.message]).toEqual([400, `Overlay image not found - ${name}`]);
    }
    await createApiKey(services.db, 'other');
    await commitImage('elsewhere', { cloudName: 'other' });
    expect((await refusal(resolveLayerAssets(services.db, 'demo', parseTransformation('l_elsewhere/fl_layer_apply')))).status).toBe(400);
  });

  it('keeps fetch and text layers out of the key: they name no asset', async () => {
    const fetched = parseTransformation(`l_fetch:${Buffer.from('https://example.com/logo.png').toString('base64url')}/fl_layer_apply`);
    expect(await currentDerivativeHash(services.db, 'demo', fetched)).toEqual({ hash: planHash(fetched), layerAssets: [] });
  });
});
