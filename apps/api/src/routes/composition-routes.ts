import type { FastifyInstance, FastifyRequest } from 'fastify';
import { explodeAsset, generateMulti, generateSprite, generateText, type CompositionCall, type CompositionDependencies } from '@rendition/intake';
import { readUploadApiCommand } from '../upload-api-command.ts';
import type { UploadRouteDependencies } from './upload-route.ts';

type Path = FastifyRequest<{ Params: { cloud: string; resourceType: string } }>;

/**
 * `multi`, `sprite` (generate_sprite), `explode` and `text`: signed Upload API calls without a file,
 * each a batch of one job — docs/compositions.md.
 */
export function registerCompositionRoutes(
  app: FastifyInstance,
  deps: UploadRouteDependencies & { publicBaseUrl: string; secureBaseUrl: string },
): void {
  const actions: Record<string, (deps: CompositionDependencies, call: CompositionCall) => Promise<Record<string, unknown>>> = {
    multi: generateMulti,
    sprite: generateSprite,
    explode: explodeAsset,
    text: generateText,
  };
  for (const [action, run] of Object.entries(actions)) {
    app.post(`/v1_1/:cloud/:resourceType/${action}`, async (request: Path) => run(deps, await readUploadApiCommand(deps, request)));
  }
}
