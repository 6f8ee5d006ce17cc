import { join } from 'node:path';
import type { MultiJobV1 } from '@rendition/jobs';
import { writeAnimation, writePdf } from '@rendition/media';
import { contentTypeForFormat, parseDeliveryType } from '@rendition/protocol';
import { currentDerivativeHash } from '@rendition/derivations';
import { withTempDir } from '@rendition/scratch';
import { storeDerivative } from '../derive-image.ts';
import type { DeriveHandlerDependencies } from '../derive-handler.ts';
import { storeComposedAsset } from './composed-asset.ts';
import type { CompositionOutcome } from './composition-job.ts';
import { compositionUrls } from './composition-urls.ts';
import { compositionPlan, renderSourceFrames } from './source-frames.ts';

/**
 * `multi`: every image after the transformation, as the frames of one animated GIF or WebP or the
 * pages of one PDF, stored as the new version of the asset `image/multi/<public_id>`. Its URL names
 * the transformation (Cloudinary's `/image/multi/<transformation>/v<version>/<tag>.gif`): the file is
 * also recorded as that derivative of the version, so delivery serves it as it is. A PDF's URL names
 * none: delivery derives no PDF, and its original is this very file.
 */
export async function runMulti(deps: DeriveHandlerDependencies, job: MultiJobV1): Promise<CompositionOutcome> {
  const plan = compositionPlan(job.transformation);
  // The transformation's overlay assets, as they are now: their versions key the stored derivative.
  const { hash, layerAssets } = await currentDerivativeHash(deps.db, job.cloudName, plan);
  return withTempDir(deps.tmpDir, async (dir) => {
    const frames = await renderSourceFrames(deps, job.sources, plan, dir, job.publicId, layerAssets);
    const output = join(dir, `multi.${job.format}`);
    const paths = frames.map((frame) => frame.path);
    const written =
      job.format === 'pdf'
        ? await writePdf(paths, output, { limits: deps.limits })
        : await writeAnimation(paths, output, { format: job.format, limits: deps.limits });
    const asset = await storeComposedAsset(deps, job.jobId, {
      cloudName: job.cloudName,
      type: parseDeliveryType('multi'),
      publicId: job.publicId,
      path: output,
      format: job.format,
      contentType: contentTypeForFormat(job.format),
      width: written.width,
      height: written.height,
      pages: written.pages,
    });
    const transformation = job.format === 'pdf' ? '' : job.transformation;
    if (transformation !== '') {
      const identity = { assetId: asset.assetId, versionId: asset.versionId, transformationHash: hash, format: job.format, transformation };
      await storeDerivative(deps, identity, output, written);
    }
    const urls = compositionUrls(deps, { ...asset, format: job.format, ...(transformation !== '' ? { transformation } : {}) });
    // Cloudinary's documented answer (`url`, `secure_url`, `asset_id`, `public_id`, `version`), then what the asset is.
    return {
      result: {
        ...urls,
        asset_id: asset.assetId,
        public_id: asset.publicId,
        version: asset.version,
        resource_type: 'image',
        type: asset.type,
        format: job.format,
        width: written.width,
        height: written.height,
        pages: written.pages,
        bytes: asset.bytes,
      },
    };
  });
}
