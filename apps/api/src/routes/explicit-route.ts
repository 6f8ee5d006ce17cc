import type { FastifyInstance, FastifyRequest } from 'fastify';
import { applyExplicit, type ExplicitDependencies } from '@rendition/intake';
import type { BlobStore } from '@rendition/storage';
import { readUploadApiCommand } from '../upload-api-command.ts';

export type ExplicitRouteDependencies = ExplicitDependencies & { store: BlobStore };

/** `POST /v1_1/:cloud/:resource_type/explicit`: tags, context and eager derivations of an existing asset. */
export function registerExplicitRoute(app: FastifyInstance, deps: ExplicitRouteDependencies): void {
  app.post('/v1_1/:cloud/:resourceType/explicit', async (request: FastifyRequest<{ Params: { cloud: string; resourceType: string } }>) => {
    return applyExplicit(deps, await readUploadApiCommand(deps, request));
  });
}
