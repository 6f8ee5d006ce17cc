import type { FastifyInstance } from 'fastify';
import type { UploadRouteDependencies } from './upload-route.ts';

/** `multi`, `explode`, `sprite` and `text` — docs/compositions.md. */
export function registerCompositionRoutes(
  _app: FastifyInstance,
  _deps: UploadRouteDependencies & { publicBaseUrl: string; secureBaseUrl: string },
): void {}
