import type { JobHandler } from '@rendition/jobs';
import type { DeriveHandlerDependencies } from '../derive-handler.ts';
import { compositionHandler } from './composition-job.ts';
import { runExplode } from './explode.ts';
import { runMulti } from './multi.ts';
import { runSprite } from './sprite.ts';
import { runText } from './text.ts';

/** The `multi`, `explode`, `sprite` and `text` jobs (docs/compositions.md). */
export function createMultiHandler(deps: DeriveHandlerDependencies): JobHandler<'multi'> {
  return compositionHandler<'multi'>(deps, 'animation', (payload) => runMulti(deps, payload));
}

export function createExplodeHandler(deps: DeriveHandlerDependencies): JobHandler<'explode'> {
  return compositionHandler<'explode'>(deps, 'pages', (payload) => runExplode(deps, payload));
}

export function createSpriteHandler(deps: DeriveHandlerDependencies): JobHandler<'sprite'> {
  return compositionHandler<'sprite'>(deps, 'sprite', (payload) => runSprite(deps, payload));
}

export function createTextHandler(deps: DeriveHandlerDependencies): JobHandler<'text'> {
  return compositionHandler<'text'>(deps, 'text image', (payload) => runText(deps, payload));
}
