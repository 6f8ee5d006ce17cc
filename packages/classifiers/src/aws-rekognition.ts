import { labelScore } from './probability.ts';

// Amazon Rekognition's moderation answers (what Cloudinary's aws_rek and aws_rek_video pass through),
// made from nsfwjs's five classes. nsfwjs cannot tell Rekognition's finer labels apart (male from
// female nudity, swimwear from underwear), so each Rekognition name is fed by the nsfwjs class that
// covers it: porn for real explicit nudity, hentai for the illustrated kind, sexy for everything
// suggestive. A label with several classes takes the most probable one (the image is explicit if it
// is either kind of explicit).

/**
 * The categories `aws_rek:<category>:<threshold>` names (Cloudinary's snake_case of Rekognition's
 * labels, as in @rendition/protocol's AWS_REK_CATEGORY_NAMES) → the nsfwjs classes whose highest
 * probability is the category's score, compared with the threshold (0..1).
 */
export const AWS_REK_CATEGORIES: Readonly<Record<string, readonly string[]>> = Object.freeze({
  explicit_nudity: ['porn', 'hentai'],
  nudity: ['porn'],
  graphic_male_nudity: ['porn'],
  graphic_female_nudity: ['porn'],
  sexual_activity: ['porn'],
  illustrated_explicit_nudity: ['hentai'],
  suggestive: ['sexy'],
  female_swimwear_or_underwear: ['sexy'],
  male_swimwear_or_underwear: ['sexy'],
  revealing_clothes: ['sexy'],
});

/** The score 0..1 of an `aws_rek` category; RangeError for a category not in AWS_REK_CATEGORIES. */
export function categoryScore(scores: Readonly<Record<string, number>>, category: string): number {
  const labels = Object.hasOwn(AWS_REK_CATEGORIES, category) ? AWS_REK_CATEGORIES[category] : undefined;
  if (labels === undefined) throw new RangeError(`unknown aws_rek category ${category}: expected one of ${Object.keys(AWS_REK_CATEGORIES).join(', ')}`);
  return Math.max(...labels.map((label) => labelScore(scores, label)));
}

/** One entry of Rekognition's ModerationLabels as Cloudinary writes it: confidence in percent, "" for a top-level label. */
export type ModerationLabel = { confidence: number; name: string; parent_name: string };

/**
 * The labels answered, a parent before its children: a parent's confidence is at least its child's
 * (the child's classes are a subset of the parent's), as in Rekognition's two-level taxonomy.
 */
const LABELS: ReadonlyArray<{ name: string; parent_name: string; from: readonly string[] }> = [
  { name: 'Explicit Nudity', parent_name: '', from: ['porn', 'hentai'] },
  { name: 'Illustrated Explicit Nudity', parent_name: 'Explicit Nudity', from: ['hentai'] },
  { name: 'Suggestive', parent_name: '', from: ['sexy'] },
  { name: 'Revealing Clothes', parent_name: 'Suggestive', from: ['sexy'] },
];

/** Rekognition's default MinConfidence: labels below it are not answered. */
export const DEFAULT_MIN_CONFIDENCE = 50;

/**
 * Rekognition's ModerationLabels for these scores: the labels whose confidence (percent) is at least
 * `minConfidence`, most confident first; equal confidences keep parents before their children.
 */
export function awsRekognitionLabels(scores: Readonly<Record<string, number>>, minConfidence: number = DEFAULT_MIN_CONFIDENCE): ModerationLabel[] {
  if (typeof minConfidence !== 'number' || !(minConfidence >= 0 && minConfidence <= 100)) {
    throw new RangeError(`minConfidence must be a percentage from 0 to 100, got ${String(minConfidence)}`);
  }
  return LABELS.map(({ name, parent_name, from }) => ({
    confidence: Math.max(...from.map((label) => labelScore(scores, label))) * 100,
    name,
    parent_name,
  }))
    .filter((label) => label.confidence >= minConfidence)
    .sort((a, b) => b.confidence - a.confidence);
}
