import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ApiError } from '@rendition/protocol';

/**
 * Every `/v1_1/…` path that no route serves answers Cloudinary's 404, `Not found - <METHOD> <path>`.
 * Without this route the router backtracks out of `/v1_1/` into delivery's `/:cloud/:rt/:type/*`, and
 * `GET /v1_1/demo/tags/image` answered `Invalid resource type demo`. A more specific route always
 * wins over this wildcard, whatever the order they were registered in. The 404 is thrown before the
 * body is read (onRequest); the body guard closes a connection whose body was left unread.
 */
export function registerAdminNotFound(app: FastifyInstance): void {
  app.route({
    method: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
    url: '/v1_1/*',
    exposeHeadRoute: false,
    onRequest: async (request) => {
      throw notFound(request);
    },
    handler: async (request) => {
      throw notFound(request);
    },
  });
}

function notFound(request: FastifyRequest): ApiError {
  const path = request.originalUrl.split('?')[0] ?? '';
  return new ApiError(404, `Not found - ${request.method} ${path}`);
}
