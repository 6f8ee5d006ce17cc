export { DEFAULT_SCRIPT_LIMITS } from './limits.ts';
export type { ScriptLimits } from './limits.ts';
export { ScriptError } from './script-error.ts';
export { EVAL_FORBIDDEN_OPTIONS, runEvalScript } from './eval-script.ts';
export { runOnSuccessScript } from './on-success-script.ts';
export type { AssetUpdate } from './on-success-script.ts';
export { interpolateResourceInfo } from './interpolate.ts';
export { closeSandboxThreads } from './sandbox-pool.ts';
