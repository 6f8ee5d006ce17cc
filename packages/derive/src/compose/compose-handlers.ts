import type { JobHandler } from '@rendition/jobs';
import type { DeriveHandlerDependencies } from '../derive-handler.ts';

/** The `multi`, `explode`, `sprite` and `text` jobs (docs/compositions.md). */
export function createMultiHandler(_deps: DeriveHandlerDependencies): JobHandler<'multi'> {
  return { handle: notYet };
}

export function createExplodeHandler(_deps: DeriveHandlerDependencies): JobHandler<'explode'> {
  return { handle: notYet };
}

export function createSpriteHandler(_deps: DeriveHandlerDependencies): JobHandler<'sprite'> {
  return { handle: notYet };
}

export function createTextHandler(_deps: DeriveHandlerDependencies): JobHandler<'text'> {
  return { handle: notYet };
}

async function notYet(): Promise<never> {
  throw new Error('not implemented yet');
}
