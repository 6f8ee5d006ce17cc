import type { FastifyInstance } from 'fastify';
import type { UploadRouteDependencies } from './upload-route.ts';

/** `generate_archive` (create and download modes) — docs/archives.md. */
export function registerArchiveRoutes(_app: FastifyInstance, _deps: UploadRouteDependencies & { publicBaseUrl: string; secureBaseUrl: string }): void {}
