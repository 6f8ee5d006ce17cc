export { assertRgbPixels } from './image-classifier.ts';
export type { ImageClassifier, RgbPixels } from './image-classifier.ts';
export { CLASSIFIER_FACTORIES, CLASSIFIER_NAMES, createClassifierRegistry, DEFAULT_CLASSIFIER, loadClassifier } from './registry.ts';
export type { ClassifierFactory, ClassifierRegistry } from './registry.ts';
export { classifyMany } from './classify-many.ts';
export { AWS_REK_CATEGORIES, awsRekognitionLabels, categoryScore, DEFAULT_MIN_CONFIDENCE } from './aws-rekognition.ts';
export type { ModerationLabel } from './aws-rekognition.ts';
export { GOOGLE_LIKELIHOOD_CUTS, GOOGLE_LIKELIHOOD_NAMES, googleLikelihood } from './google-likelihood.ts';
export type { GoogleLikelihoodName } from './google-likelihood.ts';
