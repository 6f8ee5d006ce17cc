import { ApiError } from './api-error.ts';
import type { ResourceType } from './resource-types.ts';

/**
 * Cloudinary's `moderation` parameter and the life of its entries (shared/spec/cloudinary-reference-wave2.md
 * §3, docs/moderation.md): the kinds we run, the parameter's grammar, and how a decision moves the
 * entries of a chain (`aws_rek|manual`): the first is pending, the rest queued; an approval hands on to
 * the next, a rejection aborts the rest.
 */

export const MODERATION_STATUSES = ['pending', 'approved', 'rejected', 'queued', 'aborted'] as const;
export type ModerationStatus = (typeof MODERATION_STATUSES)[number];

/** The kinds `resources_by_moderation` lists (Cloudinary's ModerationKind, plus ours). */
export const MODERATION_KINDS = ['manual', 'duplicate', 'aws_rek', 'aws_rek_video', 'google_video_moderation', 'webpurify', 'rendition_nsfw'] as const;
export type ModerationKind = (typeof MODERATION_KINDS)[number];

/** Google Video Intelligence's likelihood names, least likely first. */
export const GOOGLE_LIKELIHOODS = ['very_unlikely', 'unlikely', 'possible', 'likely', 'very_likely'] as const;
export type GoogleLikelihood = (typeof GOOGLE_LIKELIHOODS)[number];

/**
 * The categories `aws_rek:<category>:<threshold>` may name: Amazon Rekognition's moderation labels
 * (top-level and second-level) in Cloudinary's snake_case, as its examples write them.
 */
export const AWS_REK_CATEGORY_NAMES = [
  'explicit_nudity',
  'nudity',
  'graphic_male_nudity',
  'graphic_female_nudity',
  'sexual_activity',
  'illustrated_explicit_nudity',
  'suggestive',
  'female_swimwear_or_underwear',
  'male_swimwear_or_underwear',
  'revealing_clothes',
] as const;
export type AwsRekCategory = (typeof AWS_REK_CATEGORY_NAMES)[number];

/** Checked when aws_rek names no threshold of its own, at Cloudinary's default of 0.5 each. */
export const AWS_REK_DEFAULT_CATEGORIES: readonly AwsRekCategory[] = ['explicit_nudity', 'suggestive'];
export const AWS_REK_DEFAULT_THRESHOLD = 0.5;

/** The classes of our own kind (`rendition_nsfw`): the local classifier's labels. */
export const NSFW_LABELS = ['drawing', 'hentai', 'neutral', 'porn', 'sexy'] as const;
export type NsfwLabel = (typeof NSFW_LABELS)[number];

/** One step of a `moderation` parameter, with what it was given. */
export type ModerationStep =
  | { kind: 'manual' }
  /** `duplicate:<t>`: similarity threshold in (0, 1]; 0 only adds the image to the index. */
  | { kind: 'duplicate'; threshold: number }
  /** `aws_rek[:<category>:<threshold>]…`: the thresholds named (the defaults cover the rest). */
  | { kind: 'aws_rek'; thresholds: Partial<Record<AwsRekCategory, number>> }
  | { kind: 'webpurify' }
  | { kind: 'aws_rek_video'; thresholds: Partial<Record<AwsRekCategory, number>> }
  /** `google_video_moderation[:<likelihood>]`: a frame at or above this likelihood rejects. */
  | { kind: 'google_video_moderation'; likelihood: GoogleLikelihood }
  /** `rendition_nsfw[:<label>:<threshold>]…`: per-class thresholds (configured defaults for the rest). */
  | { kind: 'rendition_nsfw'; thresholds: Partial<Record<NsfwLabel, number>> };

/** A google_video_moderation step without a likelihood rejects from `likely` up. [GUESS] */
export const GOOGLE_DEFAULT_LIKELIHOOD: GoogleLikelihood = 'likely';

/** Kinds Cloudinary offers that Rendition does not run: each answers its add-on error. */
const UNSUBSCRIBED: Readonly<Record<string, string>> = {
  perception_point: 'Perception Point Malware Detection',
  metascan: 'MetaDefender Anti-malware Protection',
  cld: 'Cloudinary AI Moderation',
};

const MAX_STEPS = 8;

export const invalidModeration = (value: string): string => `Moderation ${value} moderation is not valid`;

/**
 * Reads a `moderation` value: kinds joined by `|`, each once, `manual` last. A kind we do not know is
 * a 400 naming it; an add-on kind we do not run is Cloudinary's subscription error.
 */
export function parseModeration(text: string): ModerationStep[] {
  const value = text.trim();
  if (value === '') throw new ApiError(400, invalidModeration(text));
  const parts = value.split('|').map((part) => part.trim());
  if (parts.length > MAX_STEPS) throw new ApiError(400, `Moderation ${value} has more than ${MAX_STEPS} kinds`);
  const steps = parts.map(parseStep);
  const kinds = steps.map((step) => step.kind);
  const repeated = kinds.find((kind, index) => kinds.indexOf(kind) !== index);
  if (repeated !== undefined) throw new ApiError(400, `Moderation ${repeated} appears more than once in ${value}`);
  const manual = kinds.indexOf('manual');
  if (manual !== -1 && manual !== kinds.length - 1) throw new ApiError(400, `Moderation manual must come last in ${value}`);
  return steps;
}

function parseStep(part: string): ModerationStep {
  const [name = '', ...args] = part.split(':');
  const kind = name.toLowerCase();
  const addOn = Object.hasOwn(UNSUBSCRIBED, kind) ? UNSUBSCRIBED[kind] : undefined;
  if (addOn !== undefined) throw new ApiError(400, `You don't have an active subscription for ${addOn}`);
  switch (kind) {
    case 'manual':
    case 'webpurify':
      if (args.length > 0) throw new ApiError(400, invalidModeration(part));
      return { kind };
    case 'duplicate': {
      if (args.length !== 1) throw new ApiError(400, invalidModeration(part));
      return { kind, threshold: readThreshold(args[0]!, part, 'duplicate', true) };
    }
    case 'aws_rek':
    case 'aws_rek_video':
      return { kind, thresholds: readThresholds(args, part, AWS_REK_CATEGORY_NAMES) };
    case 'rendition_nsfw':
      return { kind, thresholds: readThresholds(args, part, NSFW_LABELS) };
    case 'google_video_moderation': {
      if (args.length > 1) throw new ApiError(400, invalidModeration(part));
      if (args.length === 0) return { kind, likelihood: GOOGLE_DEFAULT_LIKELIHOOD };
      const likelihood = args[0]!.toLowerCase();
      if (!(GOOGLE_LIKELIHOODS as readonly string[]).includes(likelihood)) {
        throw new ApiError(400, `Invalid likelihood ${args[0]} in ${part}: expected one of ${GOOGLE_LIKELIHOODS.join(', ')}`);
      }
      return { kind, likelihood: likelihood as GoogleLikelihood };
    }
    default:
      throw new ApiError(400, invalidModeration(part));
  }
}

/** `name:threshold` pairs, each name from `names` once. */
function readThresholds<Name extends string>(args: string[], part: string, names: readonly Name[]): Partial<Record<Name, number>> {
  if (args.length % 2 !== 0) throw new ApiError(400, invalidModeration(part));
  const thresholds: Partial<Record<Name, number>> = {};
  for (let index = 0; index < args.length; index += 2) {
    const name = args[index]!.toLowerCase();
    if (!(names as readonly string[]).includes(name)) {
      throw new ApiError(400, `Unknown moderation category ${args[index]} in ${part}: expected one of ${names.join(', ')}`);
    }
    if (Object.hasOwn(thresholds, name)) throw new ApiError(400, `Moderation category ${name} appears more than once in ${part}`);
    thresholds[name as Name] = readThreshold(args[index + 1]!, part, name, false);
  }
  return thresholds;
}

/** A number in (0, 1], or [0, 1] where zero means something (duplicate:0 only indexes). */
function readThreshold(text: string, part: string, name: string, zeroAllowed: boolean): number {
  const value = /^\s*(?:\d+(?:\.\d*)?|\.\d+)\s*$/.test(text) ? Number(text) : Number.NaN;
  const low = zeroAllowed ? value >= 0 : value > 0;
  if (!(low && value <= 1)) {
    throw new ApiError(400, `Invalid threshold ${text} for ${name} in ${part}: expected a number ${zeroAllowed ? 'from 0' : 'above 0'} up to 1`);
  }
  return value;
}

/** The resource types each kind moderates; the rest is a 400 once the upload's type is known. */
export function moderationAppliesTo(step: ModerationStep, resourceType: ResourceType): boolean {
  switch (step.kind) {
    case 'manual':
      return true;
    case 'duplicate':
    case 'aws_rek':
    case 'webpurify':
      return resourceType === 'image';
    case 'aws_rek_video':
    case 'google_video_moderation':
      return resourceType === 'video';
    case 'rendition_nsfw':
      return resourceType === 'image' || resourceType === 'video';
  }
}

/** The 400 of a step that does not apply to the uploaded resource type, or undefined when all apply. */
export function inapplicableModeration(steps: readonly ModerationStep[], resourceType: ResourceType): string | undefined {
  const step = steps.find((candidate) => !moderationAppliesTo(candidate, resourceType));
  return step ? `Moderation ${step.kind} is not supported for resource type ${resourceType}` : undefined;
}

/** Whether a worker decides this kind (everything but manual). */
export function isAutomaticModeration(kind: string): boolean {
  return kind !== 'manual';
}

/** One entry of the `moderation` array, in Cloudinary's key order. */
export interface ModerationEntry {
  kind: string;
  status: ModerationStatus;
  response?: Record<string, unknown>;
  updated_at?: string;
}

/** A new chain: the first entry pending, the rest queued. */
export function initialModerationEntries(steps: readonly ModerationStep[]): ModerationEntry[] {
  return steps.map((step, index) => ({ kind: step.kind, status: index === 0 ? 'pending' : 'queued' }));
}

/**
 * The entries after entry `index` is decided: approved hands on (the next queued entry becomes
 * pending), rejected aborts every queued one after it, pending leaves the rest as they are.
 */
export function decideModerationEntry(
  entries: readonly ModerationEntry[],
  index: number,
  decision: { status: 'approved' | 'rejected' | 'pending'; response?: Record<string, unknown>; at: Date },
): ModerationEntry[] {
  const current = entries[index];
  if (current === undefined) throw new RangeError(`no moderation entry ${index}`);
  const updatedAt = decision.at.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const decided: ModerationEntry = {
    kind: current.kind,
    status: decision.status,
    ...(decision.response !== undefined ? { response: decision.response } : current.response !== undefined ? { response: current.response } : {}),
    updated_at: updatedAt,
  };
  return entries.map((entry, position) => {
    if (position === index) return decided;
    if (position < index || entry.status !== 'queued') return entry;
    if (decision.status === 'rejected') return { ...entry, status: 'aborted' };
    if (decision.status === 'approved' && position === index + 1) return { ...entry, status: 'pending' };
    return entry;
  });
}

/** The entry a worker runs next: the pending one, when its kind is automatic. */
export function nextAutomaticEntry(entries: readonly ModerationEntry[]): number | undefined {
  const index = entries.findIndex((entry) => entry.status === 'pending');
  return index !== -1 && isAutomaticModeration(entries[index]!.kind) ? index : undefined;
}

/**
 * The entry an Admin API decision changes: the manual entry while it waits, otherwise the last entry
 * that has been decided or waits (queued and aborted ones never ran). [GUESS] Cloudinary documents only
 * the manual case.
 */
export function entryForManualDecision(entries: readonly ModerationEntry[]): number | undefined {
  for (let index = entries.length - 1; index >= 0; index--) {
    const status = entries[index]!.status;
    if (status !== 'queued' && status !== 'aborted') return index;
  }
  return undefined;
}

/** The asset's status: rejected when an entry is, pending while one waits, else approved; null when none. */
export function overallModerationStatus(entries: readonly ModerationEntry[] | null | undefined): 'pending' | 'approved' | 'rejected' | null {
  if (!entries || entries.length === 0) return null;
  if (entries.some((entry) => entry.status === 'rejected')) return 'rejected';
  if (entries.some((entry) => entry.status === 'pending' || entry.status === 'queued')) return 'pending';
  return 'approved';
}

/** `moderation_status` values the Admin API's update accepts. */
export function readDecisionStatus(text: string): 'approved' | 'rejected' | 'pending' {
  const status = text.trim().toLowerCase();
  if (status === 'approved' || status === 'rejected' || status === 'pending') return status;
  throw new ApiError(400, `Invalid moderation_status ${text}: expected approved, rejected or pending`);
}

/** Path parts of `resources/:rt/moderations/:kind/:status`. */
export function parseModerationListing(kind: string, status: string): { kind: ModerationKind; status: ModerationStatus } {
  if (!(MODERATION_KINDS as readonly string[]).includes(kind)) throw new ApiError(400, `Invalid moderation kind ${kind}`);
  if (!(MODERATION_STATUSES as readonly string[]).includes(status)) throw new ApiError(400, `Invalid moderation status ${status}`);
  return { kind: kind as ModerationKind, status: status as ModerationStatus };
}
