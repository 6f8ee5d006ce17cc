import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SpriteJobV1 } from '@rendition/jobs';
import { writeSprite } from '@rendition/media';
import { contentTypeForFormat, parseDeliveryType } from '@rendition/protocol';
import { currentDerivativeHash, derivativeHash } from '@rendition/derivations';
import { withTempDir } from '@rendition/scratch';
import { storeDerivative } from '../derive-image.ts';
import type { DeriveHandlerDependencies } from '../derive-handler.ts';
import { storeComposedAsset } from './composed-asset.ts';
import type { CompositionOutcome } from './composition-job.ts';
import { compositionUrls } from './composition-urls.ts';
import { compositionPlan, renderSourceFrames } from './source-frames.ts';
import { storeSpriteFileDerivative } from './sprite-file-derivative.ts';
import { spriteImageInfos, spriteStylesheet } from './sprite-stylesheet.ts';

/**
 * `generate_sprite`: the images after the transformation, in one column (media's layoutSprite), with
 * a CSS and a JSON file saying where each one is. The three files are assets of type `sprite` named
 * `<tag>.<format>`, `<tag>.css` and `<tag>.json`, all of one version: delivery finds each by the whole
 * last path element of `/image/sprite/v<version>/<tag>.<ext>` (no asset is named `<tag>` alone, which it
 * would find first). All three URLs name the transformation (with the client's `f_`), as Cloudinary's
 * do, and each file is also recorded as that derivative of its asset, so those URLs serve these very
 * bytes: the image is not transformed a second time, and the CSS names the image URL that serves it.
 */
export async function runSprite(deps: DeriveHandlerDependencies, job: SpriteJobV1): Promise<CompositionOutcome> {
  const plan = compositionPlan(job.transformation);
  const urlTransformation = job.urlTransformation ?? job.transformation;
  const type = parseDeliveryType('sprite');
  // The transformation's overlay assets, as they are now: their versions key the stored derivatives,
  // under the hash delivery computes for the URL's transformation (planDerivative: the same function).
  const { layerAssets } = await currentDerivativeHash(deps.db, job.cloudName, plan);
  const hash = derivativeHash(compositionPlan(urlTransformation), layerAssets);
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
    if (urlTransformation !== '') {
      const identity = {
        assetId: image.assetId,
        versionId: image.versionId,
        transformationHash: hash,
        format: job.format,
        transformation: urlTransformation,
      };
      await storeDerivative(deps, identity, imagePath, written);
    }
    const where = {
      cloudName: job.cloudName,
      type,
      version: image.version,
      publicId: job.publicId,
      ...(urlTransformation !== '' ? { transformation: urlTransformation } : {}),
    };
    const imageUrls = compositionUrls(deps, { ...where, format: job.format });
    const cssUrls = compositionUrls(deps, { ...where, format: 'css' });
    const jsonUrls = compositionUrls(deps, { ...where, format: 'json' });
    const infos = spriteImageInfos(
      frames.map((frame) => frame.asset.publicId),
      written.placements,
    );
    const textFiles = [
      { extension: 'css' as const, contentType: 'text/css; charset=utf-8', text: spriteStylesheet(imageUrls.secure_url, infos) },
      { extension: 'json' as const, contentType: 'application/json', text: `${JSON.stringify(infos)}\n` },
    ];
    for (const file of textFiles) {
      const path = join(dir, `sprite.${file.extension}`);
      await writeFile(path, file.text);
      const stored = await storeComposedAsset(deps, job.jobId, {
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
      if (urlTransformation !== '') {
        const identity = {
          assetId: stored.assetId,
          versionId: stored.versionId,
          transformationHash: hash,
          transformation: urlTransformation,
          format: file.extension,
        };
        await storeSpriteFileDerivative(deps, identity, path, file.contentType);
      }
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
