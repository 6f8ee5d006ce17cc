import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { ApiError } from '@rendition/protocol';
import { sendError } from './error-handler.ts';

/**
 * Requests Node or the router refuse before any route runs (a malformed request line or header, an
 * oversize header block, a bad percent-escape in the path, an unknown `Expect`, HTTP/1.1 without a
 * Host) are answered in Cloudinary's error shape too, not with Node's empty body or Fastify's own.
 */
export function installFramingErrors(app: FastifyInstance): void {
  app.server.on('checkExpectation', (request, response) => {
    const body = JSON.stringify(new ApiError(417, `Unsupported Expect header: ${String(request.headers.expect).slice(0, 100)}`).toBody());
    response.writeHead(417, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body), connection: 'close' });
    response.end(body);
  });
  app.addHook('onRequest', async (request, reply) => {
    if (request.raw.httpVersion === '1.1' && request.headers.host === undefined) {
      return sendError(reply, new ApiError(400, 'Invalid request: HTTP/1.1 requires a Host header'));
    }
  });
}

/** Fastify's `frameworkErrors`: the router could not read the URL (a bad escape, overlong UTF-8). */
export function frameworkError(error: Error, _request: unknown, reply: Parameters<typeof sendError>[0]): void {
  void sendError(reply, new ApiError(400, `Invalid request URL: ${error.message}`));
}

/** Fastify's `clientErrorHandler`: Node's HTTP parser refused the request; there is no reply object yet. */
export function clientError(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, reason, message] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'Request Header Fields Too Large', 'Invalid request: the header block is too large']
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'Request Timeout', 'Invalid request: the request took too long to arrive']
        : [400, 'Bad Request', `Invalid request: malformed HTTP (${error.code ?? 'parse error'})`];
  const body = JSON.stringify(new ApiError(status, message).toBody());
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${reason}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\n` +
        `x-cld-error: ${message.replace(/[^\x20-\x7e]/g, '?')}\r\nconnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}
