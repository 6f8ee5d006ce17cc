import { awsRekognitionLabels, categoryScore, googleLikelihood, GOOGLE_LIKELIHOOD_NAMES } from '@rendition/classifiers';
import {
  AWS_REK_DEFAULT_CATEGORIES,
  AWS_REK_DEFAULT_THRESHOLD,
  GOOGLE_LIKELIHOODS,
  type AwsRekCategory,
  type GoogleLikelihood,
  type ModerationStep,
} from '@rendition/protocol';

/**
 * From the classifier's scores to a moderation verdict, per kind, in the response shape Cloudinary
 * answers for that kind (shared/spec/cloudinary-reference-wave2.md §3.2, §3.3; docs/moderation.md).
 * Pure: the scores come in, the decision and its `response` go out.
 */

export type Scores = Readonly<Record<string, number>>;

export interface Verdict {
  status: 'approved' | 'rejected';
  response?: Record<string, unknown>;
}

export interface VerdictSettings {
  /** The classifier's name, answered as the model version. */
  model: string;
  /** Per-class defaults of rendition_nsfw and webpurify (MODERATION_NSFW_THRESHOLDS). */
  nsfwThresholds: Readonly<Record<string, number>>;
}

/** A frame sampled from a video, and its scores. */
export interface ScoredFrame {
  timeOffset: number;
  scores: Scores;
}

type ClassifierStep = Exclude<ModerationStep, { kind: 'manual' } | { kind: 'duplicate' }>;

/** The verdict on one image. */
export function imageVerdict(step: ClassifierStep, scores: Scores, settings: VerdictSettings): Verdict {
  switch (step.kind) {
    case 'aws_rek': {
      const rejected = awsCategoriesCrossed(scores, step.thresholds).length > 0;
      return {
        status: rejected ? 'rejected' : 'approved',
        response: { moderation_labels: awsRekognitionLabels(scores), moderation_model_version: settings.model },
      };
    }
    case 'webpurify':
    case 'rendition_nsfw': {
      const thresholds = nsfwThresholds(settings, step.kind === 'rendition_nsfw' ? step.thresholds : {});
      return {
        status: nsfwClassesCrossed(scores, thresholds).length > 0 ? 'rejected' : 'approved',
        response: { model: settings.model, scores: rounded(scores), thresholds },
      };
    }
    case 'aws_rek_video':
    case 'google_video_moderation':
      return videoVerdict(step, [{ timeOffset: 0, scores }], settings);
  }
}

/** The verdict on a video from its sampled frames: one frame over a threshold rejects it. */
export function videoVerdict(step: ClassifierStep, frames: readonly ScoredFrame[], settings: VerdictSettings): Verdict {
  switch (step.kind) {
    case 'google_video_moderation': {
      // Cloudinary's bodies list the frames that reached the likelihood asked for (none when approved).
      const floor = GOOGLE_LIKELIHOODS.indexOf(step.likelihood);
      const flagged = frames
        .map((frame) => ({ frame, likelihood: googleLikelihood(pornography(frame.scores)) }))
        .filter(({ likelihood }) => GOOGLE_LIKELIHOOD_NAMES.indexOf(likelihood) >= floor)
        .map(({ frame, likelihood }) => ({ pornography_likelihood: likelihood, time_offset: frame.timeOffset }));
      return {
        status: flagged.length > 0 ? 'rejected' : 'approved',
        response: { moderation_confidence: likelihoodName(step.likelihood), frames: flagged },
      };
    }
    case 'aws_rek_video': {
      const labels = frames.flatMap((frame) =>
        awsRekognitionLabels(frame.scores).map((label) => ({ timestamp: Math.round(frame.timeOffset * 1000), moderation_label: label })),
      );
      const rejected = frames.some((frame) => awsCategoriesCrossed(frame.scores, step.thresholds).length > 0);
      return { status: rejected ? 'rejected' : 'approved', response: { moderation_labels: labels, moderation_model_version: settings.model } };
    }
    case 'rendition_nsfw': {
      const thresholds = nsfwThresholds(settings, step.thresholds);
      const rejected = frames.some((frame) => nsfwClassesCrossed(frame.scores, thresholds).length > 0);
      return {
        status: rejected ? 'rejected' : 'approved',
        response: {
          model: settings.model,
          frames: frames.map((frame) => ({ time_offset: frame.timeOffset, scores: rounded(frame.scores) })),
          thresholds,
        },
      };
    }
    case 'aws_rek':
    case 'webpurify':
      // Image kinds never reach a video (protocol's moderationAppliesTo): the first frame decides.
      return imageVerdict(step, frames[0]?.scores ?? {}, settings);
  }
}

/**
 * The aws_rek categories at or over their threshold: Cloudinary's default categories at 0.5, each
 * category the parameter names at its own threshold.
 */
export function awsCategoriesCrossed(scores: Scores, named: Partial<Record<AwsRekCategory, number>>): AwsRekCategory[] {
  const thresholds: Partial<Record<AwsRekCategory, number>> = {};
  for (const category of AWS_REK_DEFAULT_CATEGORIES) thresholds[category] = AWS_REK_DEFAULT_THRESHOLD;
  Object.assign(thresholds, named);
  return (Object.keys(thresholds) as AwsRekCategory[]).filter((category) => categoryScore(scores, category) >= thresholds[category]!);
}

/** The configured per-class thresholds, with the request's own over them. */
export function nsfwThresholds(settings: VerdictSettings, named: Readonly<Record<string, number>>): Record<string, number> {
  return { ...settings.nsfwThresholds, ...named };
}

/** The classes at or over their threshold. */
export function nsfwClassesCrossed(scores: Scores, thresholds: Readonly<Record<string, number>>): string[] {
  return Object.keys(thresholds).filter((label) => (scores[label] ?? 0) >= thresholds[label]!);
}

/** Google's pornography likelihood reads the explicit classes together. */
function pornography(scores: Scores): number {
  return Math.max(scores.porn ?? 0, scores.hentai ?? 0);
}

function likelihoodName(likelihood: GoogleLikelihood): string {
  return likelihood.toUpperCase();
}

/** Scores as answered: four decimals are plenty and keep the JSON short. */
function rounded(scores: Scores): Record<string, number> {
  return Object.fromEntries(Object.entries(scores).map(([label, score]) => [label, Math.round(score * 10_000) / 10_000]));
}
