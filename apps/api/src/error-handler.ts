import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { ApiError } from '@rendition/protocol';

/**
 * The one place an error becomes an HTTP answer: always Cloudinary's JSON shape, with the reason
 * mirrored in X-Cld-Error as Cloudinary does. Framework errors about the request become 400s.
 */
export function installErrorHandling(app: FastifyInstance, limits: { maxUploadBytes: number }): void {
  app.setErrorHandler((error: FastifyError | ApiError | Error, request, reply) => {
    const apiError = toApiError(error, limits);
    if (apiError.status >= 500) request.log.error({ err: error }, 'request failed');
    sendError(reply, apiError);
  });
  app.setNotFoundHandler((request, reply) => {
    sendError(reply, new ApiError(404, `Not found - ${request.method} ${request.url.split('?')[0]}`));
  });
}

export function sendError(reply: FastifyReply, error: ApiError): FastifyReply {
  const body = error.toBody();
  return reply
    .code(error.status)
    .header('x-cld-error', body.error.message.replace(/[^\x20-\x7e]/g, '?').slice(0, 512))
    .header('cache-control', 'no-store')
    .type('application/json; charset=utf-8')
    .send(body);
}

function toApiError(error: FastifyError | ApiError | Error, limits: { maxUploadBytes: number }): ApiError {
  if (error instanceof ApiError) return error;
  const fastifyError = error as FastifyError;
  switch (fastifyError.code) {
    case 'FST_REQ_FILE_TOO_LARGE':
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ApiError(400, `File size too large. Maximum is ${limits.maxUploadBytes}.`);
    case 'FST_FILES_LIMIT':
    case 'FST_PARTS_LIMIT':
    case 'FST_FIELDS_LIMIT':
      return new ApiError(400, 'Too many parts in the upload request');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new ApiError(400, `Unsupported Content-Type; send multipart/form-data, application/x-www-form-urlencoded or application/json`);
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new ApiError(400, 'Invalid JSON body');
    default:
      break;
  }
  const status = fastifyError.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new ApiError(status === 413 || status === 415 ? 400 : status, fastifyError.message);
  }
  return new ApiError(500, 'Internal server error', { cause: error, expose: false });
}
