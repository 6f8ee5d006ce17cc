import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SpriteJobV1 } from '@rendition/jobs';
import { writeSprite } from '@rendition/media';
import { contentTypeForFormat, parseDeliveryType } from '@rendition/protocol';
import { currentDerivativeHash } from '@rendition/derivations';
import { withTempDir } from '@rendition/scratch';
import { storeDerivative } from '../derive-image.ts';
import type { DeriveHandlerDependencies } from '../derive-handler.ts';
import { storeComposedAsset } from './composed-asset.ts';
import type { CompositionOutcome } from './composition-job.ts';
import { compositionUrls } from './composition-urls.ts';
import { compositionPlan, renderSourceFrames } from './source-frames.ts';
import { spriteImageInfos, spriteStylesheet } from './sprite-stylesheet.ts';

/**
 * `generate_sprite`: the images after the transformation, in one column (media's layoutSprite), with
 * a CSS and a JSON file saying where each one is. The three files are assets of type `sprite` named
 * `<tag>.<format>`, `<tag>.css` and `<tag>.json`, all of one version: delivery finds each by the whole
 * last path element of `/image/sprite/v<version>/<tag>.<ext>` (no asset is named `<tag>` alone, which it
 * would find first). The image's URL names the transformation, as Cloudinary's does, and is recorded as
 * that derivative; the CSS and JSON URLs name none (delivery transforms no stylesheet).
 */
export async function runSprite(deps: DeriveHandlerDependencies, job: SpriteJobV1): Promise<CompositionOutcome> {
  const plan = compositionPlan(job.transformation);
  const type = parseDeliveryType('sprite');
  // The transformation's overlay assets, as they are now: their versions key the stored derivative.
  const { hash, layerAssets } = await currentDerivativeHash(deps.db, job.cloudName, plan);
  return withTempDir(deps.tmpDir, async (dir) => {
    const frames = await renderSourceFrames(deps, job.sources, plan, dir, job.publicId, layerAssets);
    const imagePath = join(dir, `sprite.${job.format}`);
    const written = await writeSprite(
      frames.map((frame) => frame.path),
      imagePath,
      { format: job.format, limits: deps.limits },
    );
    const image = await storeComposedAsset(deps, job.jobId, {
      cloudName: job.cloudName,
      type,
      publicId: `${job.publicId}.${job.format}`,
      path: imagePath,
      format: job.format,
      contentType: contentTypeForFormat(job.format),
      width: written.width,
      height: written.height,
      pages: 1,
    });
    if (job.transformation !== '') {
      const identity = {
        assetId: image.assetId,
        versionId: image.versionId,
        transformationHash: hash,
        format: job.format,
        transformation: job.transformation,
      };
      await storeDerivative(deps, identity, imagePath, written);
    }
    const where = { cloudName: job.cloudName, type, version: image.version, publicId: job.publicId };
    const imageUrls = compositionUrls(deps, {
      ...where,
      format: job.format,
      ...(job.transformation !== '' ? { transformation: job.transformation } : {}),
    });
    const cssUrls = compositionUrls(deps, { ...where, format: 'css' });
    const jsonUrls = compositionUrls(deps, { ...where, format: 'json' });
    const infos = spriteImageInfos(
      frames.map((frame) => frame.asset.publicId),
      written.placements,
    );
    const textFiles = [
      { extension: 'css', contentType: 'text/css; charset=utf-8', text: spriteStylesheet(imageUrls.secure_url, infos) },
      { extension: 'json', contentType: 'application/json', text: `${JSON.stringify(infos)}\n` },
    ];
    for (const file of textFiles) {
      const path = join(dir, `sprite.${file.extension}`);
      await writeFile(path, file.text);
      await storeComposedAsset(deps, job.jobId, {
        cloudName: job.cloudName,
        type,
        publicId: `${job.publicId}.${file.extension}`,
        path,
        format: null,
        contentType: file.contentType,
        width: null,
        height: null,
        pages: 1,
        version: image.version,
      });
    }
    return {
      result: {
        css_url: cssUrls.url,
        image_url: imageUrls.url,
        json_url: jsonUrls.url,
        asset_id: image.assetId,
        public_id: job.publicId,
        version: image.version,
        image_infos: infos,
        secure_css_url: cssUrls.secure_url,
        secure_image_url: imageUrls.secure_url,
        secure_json_url: jsonUrls.secure_url,
      },
    };
  });
}
