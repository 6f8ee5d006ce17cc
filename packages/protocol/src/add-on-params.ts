import { ApiError } from './api-error.ts';
import { readString, type RawParams } from './request-params.ts';

/**
 * The add-on parameters of upload and `update` that no engine here runs: `detection`,
 * `background_removal`, `categorization`. A legal value is accepted and ignored (as a cloud without
 * the add-on's results would answer nothing for it); an illegal one is a 400 before anything changes,
 * with Cloudinary's words, which the SDK's own specs look for: `Illegal value` (api_spec.js, update),
 * `Detection invalid model '…'` and `… is invalid` (uploader_spec.js). The legal lists are Cloudinary's
 * documented add-on values (docs/compatibility.md, "Add-on parameters").
 */

const DETECTION_MODELS = [
  'coco',
  'lvis',
  'openimages',
  'unidet',
  'cld-fashion',
  'cld-text',
  'human-anatomy',
  'captioning',
  'iqa',
  'watermark-detection',
  'adv_face',
  'aws_rek_face',
] as const;

const BACKGROUND_REMOVAL = ['cloudinary_ai', 'cloudinary_ai:fine_edges', 'pixelz', 'remove_the_background'] as const;

const CATEGORIZATION = [
  'google_tagging',
  'google_video_tagging',
  'imagga_tagging',
  'aws_rek_tagging',
  'aws_rek_video_tagging',
  'azure_video_indexer',
  'google_logo_detection',
] as const;

/** The add-on parameters checked, by name. */
export const ADD_ON_PARAMETERS = ['detection', 'background_removal', 'categorization'] as const;

const MAX_SHOWN = 100;

/** Checks the add-on parameters present in `params`; a 400 for the first illegal value. */
export function checkAddOnParams(params: RawParams): void {
  const detection = readString(params, 'detection');
  if (detection !== undefined) checkDetection(detection);
  const removal = readString(params, 'background_removal');
  if (removal !== undefined && !(BACKGROUND_REMOVAL as readonly string[]).includes(removal.trim())) {
    throw illegal('background_removal', `Background removal ${shown(removal)} is invalid`);
  }
  const categorization = readString(params, 'categorization');
  if (categorization !== undefined) {
    const bad = items(categorization).find((item) => !(CATEGORIZATION as readonly string[]).includes(item));
    if (bad !== undefined) throw illegal('categorization', `Categorization ${shown(bad)} is invalid`);
  }
}

// A comma list of models, each optionally versioned (`coco_v2`).
function checkDetection(value: string): void {
  const bad = items(value).find((item) => !(DETECTION_MODELS as readonly string[]).includes(item.replace(/_v\d+$/, '')));
  if (bad !== undefined) throw illegal('detection', `Detection invalid model '${shown(bad)}'`);
}

function items(value: string): string[] {
  return value.split(',').map((item) => item.trim());
}

function shown(value: string): string {
  return value.length > MAX_SHOWN ? `${value.slice(0, MAX_SHOWN)}…` : value;
}

function illegal(name: string, detail: string): ApiError {
  return new ApiError(400, `Illegal value for parameter ${name}: ${detail}`);
}
