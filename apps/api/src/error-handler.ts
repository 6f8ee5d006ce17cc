import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { DEFAULT_RETRY_AFTER_SECONDS, QueueUnavailableError } from '@rendition/jobs';
import { ApiError } from '@rendition/protocol';
import { bodyTooLarge } from './body-limits.ts';

export interface ErrorHandlingLimits {
  maxUploadBytes: number;
  /** Fastify's own body limit (bodyLimit): only bodies the body guard does not read reach it. */
  maxFieldsTotalBytes: number;
  /** Retry-After of a 503 that names none (the shutdown answer); UNAVAILABLE_RETRY_AFTER_SECONDS. */
  unavailableRetryAfterSeconds?: number;
}

/**
 * The one place an error becomes an HTTP answer: always Cloudinary's JSON shape, with the reason
 * mirrored in X-Cld-Error as Cloudinary does. Framework errors about the request become 400s. While
 * the server closes, every request is answered 503 in the same shape (see answerWhileClosing).
 */
export function installErrorHandling(app: FastifyInstance, limits: ErrorHandlingLimits): void {
  const retryAfterSeconds = limits.unavailableRetryAfterSeconds ?? DEFAULT_RETRY_AFTER_SECONDS;
  app.setErrorHandler((error: FastifyError | ApiError | Error, request, reply) => {
    const apiError = toApiError(error, limits);
    // A 503 is a dependency that is away (Redis), answered on purpose: not an error of ours.
    if (apiError.status === 503) request.log.warn({ err: error }, 'request refused: a dependency is unavailable');
    else if (apiError.status >= 500) request.log.error({ err: error }, 'request failed');
    sendError(reply, apiError, retryAfterSeconds);
  });
  app.setNotFoundHandler((request, reply) => {
    sendError(reply, new ApiError(404, `Not found - ${request.method} ${request.url.split('?')[0]}`));
  });
  answerWhileClosing(app, retryAfterSeconds);
}

/**
 * Fastify's own answer to a request that arrives while the server closes (`return503OnClosing`, on by
 * default) is its default body `{"error":"Service Unavailable","message":…,"statusCode":503}`, written
 * before any hook runs. With that option off (api-server.ts), such a request reaches this hook instead,
 * and is answered in Cloudinary's shape with Retry-After and `Connection: close`, before any route runs.
 */
/** How long a keep-alive connection may stay idle once the server is closing. */
const CLOSING_KEEP_ALIVE_MS = 1_000;

function answerWhileClosing(app: FastifyInstance, retryAfterSeconds: number): void {
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  // Node's server.close() closes the keep-alive connections that are idle at that moment; one whose
  // response was still finishing (a streamed body's last bytes) becomes idle a moment later and would
  // hold the close for the whole keep-alive timeout (72 s). Once its response is done, such a connection
  // waits only CLOSING_KEEP_ALIVE_MS for a next request (answered 503 below) before Node closes it.
  app.addHook('onResponse', async (request) => {
    if (closing) request.raw.socket?.setTimeout(CLOSING_KEEP_ALIVE_MS);
  });
  app.addHook('onRequest', async (_request, reply) => {
    if (!closing) return;
    reply.header('connection', 'close');
    return sendError(
      reply,
      new ApiError(503, 'Service unavailable: the server is shutting down, try again shortly', { expose: true }),
      retryAfterSeconds,
    );
  });
}

/**
 * Sends `error` as Cloudinary's JSON. A 503 carries Retry-After: the queue's own (QueueUnavailableError,
 * also as the cause of another 503), else `retryAfterSeconds`.
 */
export function sendError(reply: FastifyReply, error: ApiError, retryAfterSeconds: number = DEFAULT_RETRY_AFTER_SECONDS): FastifyReply {
  const body = error.toBody();
  if (error.status === 503) reply.header('retry-after', String(retryAfterOf(error) ?? retryAfterSeconds));
  return reply
    .code(error.status)
    .header('x-cld-error', body.error.message.replace(/[^\x20-\x7e]/g, '?').slice(0, 512))
    .header('cache-control', 'no-store')
    .type('application/json; charset=utf-8')
    .send(body);
}

function retryAfterOf(error: ApiError): number | undefined {
  if (error instanceof QueueUnavailableError) return error.retryAfterSeconds;
  return error.cause instanceof QueueUnavailableError ? error.cause.retryAfterSeconds : undefined;
}

function toApiError(error: FastifyError | ApiError | Error, limits: ErrorHandlingLimits): ApiError {
  if (error instanceof ApiError) return error;
  const fastifyError = error as FastifyError;
  switch (fastifyError.code) {
    case 'FST_REQ_FILE_TOO_LARGE':
      return new ApiError(400, `File size too large. Maximum is ${limits.maxUploadBytes}.`);
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      // The limit that applied is the body's, not the file's.
      return bodyTooLarge(limits.maxFieldsTotalBytes);
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
