import { join } from 'node:path';
import { findApiKey } from '@rendition/catalog';
import { RejectedJobError, type TextJobV1 } from '@rendition/jobs';
import { renderTextImage, type TextRendering } from '@rendition/media';
import { ApiError, buildUploadResponse, parseDeliveryType } from '@rendition/protocol';
import { withTempDir } from '@rendition/scratch';
import { parseColor } from '@rendition/transform';
import type { DeriveHandlerDependencies } from '../derive-handler.ts';
import { storeComposedAsset } from './composed-asset.ts';
import type { CompositionOutcome } from './composition-job.ts';

/**
 * `text`: the text rendered by media's renderTextImage into a PNG, stored as the new version of the
 * asset `image/text/<public_id>`, answered as an upload is (the resource, signed with the key that asked).
 */
export async function runText(deps: DeriveHandlerDependencies, job: TextJobV1): Promise<CompositionOutcome> {
  const rendering = textRendering(job);
  const credentials = await findApiKey(deps.db, job.apiKey);
  if (!credentials) throw new RejectedJobError(`Unknown API key ${job.apiKey}`, { status: 401 });
  return withTempDir(deps.tmpDir, async (dir) => {
    const path = join(dir, 'text.png');
    const written = await renderTextImage(path, rendering, deps.limits);
    const asset = await storeComposedAsset(deps, job.jobId, {
      cloudName: job.cloudName,
      type: parseDeliveryType('text'),
      publicId: job.publicId,
      path,
      format: 'png',
      contentType: 'image/png',
      width: written.width,
      height: written.height,
      pages: 1,
    });
    const response = buildUploadResponse(asset, {
      apiKey: credentials.apiKey,
      apiSecret: credentials.apiSecret,
      publicBaseUrl: deps.publicBaseUrl,
      secureBaseUrl: deps.secureBaseUrl,
      cloudName: job.cloudName,
    });
    return { result: response };
  });
}

/** The job's style as media renders it; a colour name no table knows is the client's 400. */
export function textRendering(job: Pick<TextJobV1, 'text' | 'style'>): TextRendering {
  const { style } = job;
  const color = colour('font_color', style.fontColor);
  const background = style.background === null ? null : colour('background', style.background);
  return {
    text: job.text,
    font: {
      family: style.fontFamily,
      size: style.fontSize,
      weight: style.fontWeight,
      italic: style.fontStyle === 'italic',
      decoration: style.textDecoration,
      color: { r: color.r, g: color.g, b: color.b },
    },
    alpha: color.alpha * (style.opacity / 100),
    background: background === null || background.alpha === 0 ? null : background,
    align: style.textAlign,
    lineSpacing: style.lineSpacing ?? 0,
  };
}

/** Cloudinary's colours: a CSS name, `#rgb`, `#rrggbb` (with alpha, `#rrggbbaa`), or `rgb:` with the same digits. */
function colour(parameter: string, text: string): { r: number; g: number; b: number; alpha: number } {
  try {
    return parseColor(text.startsWith('#') ? `rgb:${text.slice(1)}` : text);
  } catch (cause) {
    throw new ApiError(400, `Invalid ${parameter}: ${text}`, { cause });
  }
}
