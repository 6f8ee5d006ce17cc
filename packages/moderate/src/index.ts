export { createModerateHandler, isPlaceholder } from './moderate-handler.ts';
export type { ModerateHandlerDependencies } from './moderate-handler.ts';
export { awsCategoriesCrossed, imageVerdict, nsfwClassesCrossed, nsfwThresholds, videoVerdict } from './verdicts.ts';
export type { ScoredFrame, Verdict, VerdictSettings } from './verdicts.ts';
