import type { ApiCredentials } from '@rendition/catalog';
import { multiJob, spriteJob, type MultiJobV1, type SpriteJobV1 } from '@rendition/jobs';
import {
  ApiError,
  buildAsyncPendingResponse,
  IMAGE_OUTPUT_FORMATS,
  parseDeliveryType,
  readBoolean,
  readString,
  validatePublicId,
  type RawParams,
  type ResourceType,
} from '@rendition/protocol';
import { newCompositionIds, submitComposition, type CompositionDependencies } from './composition-batch.ts';
import {
  MAX_ASYNC_COMPOSITION_IMAGES,
  MAX_SYNC_COMPOSITION_IMAGES,
  publicIdOfUrls,
  readCompositionSelection,
  selectCompositionImages,
} from './composition-sources.ts';
import { resolveCompositionTransformation, resolveSpriteUrlTransformation } from './composition-transformation.ts';

export interface CompositionCall {
  cloudName: string;
  credentials: ApiCredentials;
  resourceType: ResourceType;
  params: RawParams;
}

/** What `multi` writes (its `format`, an `f_` of the transformation); gif when none. */
export const MULTI_FORMATS = ['gif', 'webp', 'pdf'] as const;

/**
 * `multi` (`POST /image/multi`): one animated GIF or WebP, or one PDF, of the images with the tag (or
 * the URLs' images), each after the transformation; docs/compositions.md.
 */
export async function generateMulti(deps: CompositionDependencies, call: CompositionCall): Promise<Record<string, unknown>> {
  const prepared = await prepareComposition(deps, call);
  const format = prepared.format ?? 'gif';
  if (!isOneOf(MULTI_FORMATS, format)) throw new ApiError(400, `Invalid format ${format} for multi: expected gif, webp or pdf`);
  const payload: MultiJobV1 = { ...prepared.fields, format };
  return submit(deps, call, prepared, 'multi', { queue: multiJob.queue, kind: multiJob.kind, payload });
}

/**
 * `generate_sprite` (`POST /image/sprite`): one sprite of the images with the tag (or the URLs'
 * images), each after the transformation, with its CSS and JSON; docs/compositions.md.
 */
export async function generateSprite(deps: CompositionDependencies, call: CompositionCall): Promise<Record<string, unknown>> {
  const prepared = await prepareComposition(deps, call);
  const format = prepared.format ?? 'png';
  if (!isOneOf(IMAGE_OUTPUT_FORMATS, format))
    throw new ApiError(400, `Invalid format ${format} for a sprite: expected ${IMAGE_OUTPUT_FORMATS.join(', ')}`);
  // The URLs name the transformation the client asked for, `f_` included, as Cloudinary's do: the SDKs' tests look for `f_jpg,w_100` in `css_url`.
  const urlTransformation =
    prepared.format === null
      ? prepared.fields.transformation
      : await resolveSpriteUrlTransformation(deps.db, call.cloudName, readString(call.params, 'transformation') ?? '', format);
  const payload: SpriteJobV1 = { ...prepared.fields, format, urlTransformation };
  return submit(deps, call, prepared, 'sprite', { queue: spriteJob.queue, kind: spriteJob.kind, payload });
}

type Prepared = Awaited<ReturnType<typeof prepareComposition>>;

/** What multi and sprite read alike: the images, the transformation, async and notification_url. */
async function prepareComposition(deps: CompositionDependencies, call: CompositionCall) {
  if (call.resourceType !== 'image') throw new ApiError(400, `Compositions of ${call.resourceType} assets are not supported`);
  const selection = readCompositionSelection(call.params);
  const publicId = selection.kind === 'tag' ? validatePublicId(selection.tag) : publicIdOfUrls(selection.urls);
  const async = readBoolean(call.params, 'async', false);
  const { transformation, format } = await resolveCompositionTransformation(deps.db, call.cloudName, readString(call.params, 'transformation'));
  const images = await selectCompositionImages(deps, call.cloudName, selection, async ? MAX_ASYNC_COMPOSITION_IMAGES : MAX_SYNC_COMPOSITION_IMAGES);
  const ids = newCompositionIds();
  return {
    ids,
    async,
    format,
    notificationUrl: readString(call.params, 'notification_url'),
    fields: {
      v: 1 as const,
      jobId: ids.jobId,
      batchId: ids.batchId,
      cloudName: call.cloudName,
      publicId,
      sources: images.map((image) => ({ assetId: image.assetId, versionId: image.versionId })),
      transformation,
    },
  };
}

async function submit(
  deps: CompositionDependencies,
  call: CompositionCall,
  prepared: Prepared,
  kind: 'multi' | 'sprite',
  job: { queue: string; kind: string; payload: MultiJobV1 | SpriteJobV1 },
): Promise<Record<string, unknown>> {
  const pending = prepared.async
    ? buildAsyncPendingResponse({
        publicId: prepared.fields.publicId,
        type: parseDeliveryType(kind),
        resourceType: 'image',
        batchId: prepared.ids.batchId,
      })
    : undefined;
  return submitComposition(deps, {
    cloudName: call.cloudName,
    apiKey: call.credentials.apiKey,
    kind,
    ids: prepared.ids,
    job,
    notificationUrl: prepared.notificationUrl,
    ...(pending ? { pending } : {}),
  });
}

function isOneOf<T extends string>(values: readonly T[], value: string): value is T {
  return (values as readonly string[]).includes(value);
}
