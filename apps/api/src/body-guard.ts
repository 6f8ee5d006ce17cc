import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { cloudExists, type CatalogDb } from '@rendition/catalog';
import { ApiError } from '@rendition/protocol';
import { bodyEncoding, bodyLimit, bodyTooLarge, type BodyEncoding, type BodyLimits } from './body-limits.ts';
import { JsonUploadScanner, UrlencodedScanner } from './form-scanners.ts';
import { continuesChunkedUpload } from './chunk-headers.ts';
import { authenticateBasic, refuseDoomedUpload } from './request-auth.ts';
import { requestBodyState, setRequestBodyState, takeSpilledFile, type RequestBodyState } from './request-body-state.ts';
import { consumeStream } from './stream-reading.ts';

/**
 * What happens to a request before and while its body is read, so that an unauthenticated client
 * cannot make the API hold more than the field limits:
 *
 * - Before any byte of the body: the cloud of an Upload API call must exist, Basic credentials (when
 *   sent) must be valid, and a Content-Length over the body limit of the call and encoding is a 413.
 * - urlencoded and JSON bodies are parsed as they stream in, every parameter within its limit;
 *   an upload's `file` value past MAX_FIELD_BYTES goes to a temporary file (multipart bodies are read
 *   the same way by read-upload-body.ts, in the route).
 * - A refused request whose body was not read to its end is answered with `Connection: close`, so
 *   the rest is never read.
 */
export function installBodyGuard(app: FastifyInstance, deps: { db: CatalogDb; limits: BodyLimits }): void {
  // Fastify's own parsers read whole bodies up to bodyLimit; these replace them with streaming ones.
  app.removeContentTypeParser(['application/json', 'text/plain']);
  const defaultJsonParser = app.getDefaultJsonParser('error', 'error');
  const parseJsonText = (request: FastifyRequest, text: string) =>
    new Promise<unknown>((resolve, reject) =>
      defaultJsonParser(request, text, (error, body) => {
        if (error) reject(error);
        else resolve(body);
      }),
    );

  app.addContentTypeParser('application/x-www-form-urlencoded', async (request: FastifyRequest, payload: Readable) => {
    const state = requestBodyState(request);
    const scanner = new UrlencodedScanner({ limits: state.limits, takesFile: state.takesFile, ...(state.gate ? { gate: state.gate } : {}) });
    const form = await scan(payload, 'urlencoded', state, scanner);
    if (form.file) state.spilledFile = form.file;
    const body = Object.create(null) as Record<string, string | string[]>;
    for (const [name, value] of form.fields) {
      const current = body[name];
      if (current === undefined) body[name] = value;
      else if (Array.isArray(current)) current.push(value);
      else body[name] = [current, value];
    }
    return body;
  });

  app.addContentTypeParser('application/json', async (request: FastifyRequest, payload: Readable) => {
    const state = requestBodyState(request);
    if (state.takesFile) {
      const scanner = new JsonUploadScanner({ limits: state.limits, takesFile: true, ...(state.gate ? { gate: state.gate } : {}) });
      const scanned = await scan(payload, 'json', state, scanner);
      try {
        const body = await parseJsonText(request, scanned.text);
        if (scanned.smallFile !== undefined && body !== null && typeof body === 'object' && !Array.isArray(body)) {
          (body as Record<string, unknown>).file = scanned.smallFile;
        }
        if (scanned.file) state.spilledFile = scanned.file;
        return body;
      } catch (error) {
        await scanned.file?.discard();
        throw error;
      }
    }
    // Another call: one JSON document, read whole within its (small, unless Basic) limit.
    const chunks: Buffer[] = [];
    await scan(payload, 'json', state, {
      write: (chunk) => void chunks.push(chunk),
      end: async () => undefined,
      abort: async () => undefined,
    });
    return parseJsonText(request, Buffer.concat(chunks).toString('utf8'));
  });

  app.addHook('onRequest', async (request) => {
    const route = request.routeOptions.url;
    const takesFile = route !== undefined && UPLOAD_ROUTE.test(route);
    const state: RequestBodyState = { limits: deps.limits, takesFile };
    setRequestBodyState(request, state);
    if (route === undefined) return;

    if (BODY_METHODS.has(request.method) && route.startsWith('/v1_1/:cloud/')) {
      const cloud = (request.params as { cloud?: string }).cloud ?? '';
      if (UPLOAD_API_ROUTE.test(route) && !(await cloudExists(deps.db, cloud))) throw new ApiError(401, `Invalid cloud_name ${cloud}`);
      const authorization = request.headers.authorization;
      // delete_by_token is authorised by its token alone; its handler never reads Authorization.
      if (authorization?.toLowerCase().startsWith('basic ') && !route.endsWith('/delete_by_token')) {
        state.basic = await authenticateBasic(deps.db, authorization, cloud);
      }
      if (takesFile && !state.basic) {
        // A later chunk of an upload already started is not refused for its timestamp's age (see upload-route.ts).
        const checkFreshness = !(await continuesChunkedUpload(deps.db, cloud, request.headers));
        state.gate = (params) => refuseDoomedUpload(deps.db, params, cloud, Math.floor(Date.now() / 1000), { checkFreshness });
      }
    }

    const encoding = bodyEncoding(request.headers['content-type']);
    const declared = contentLength(request);
    if (encoding && declared !== undefined) {
      const limit = bodyLimit(deps.limits, encoding, { takesFile, basic: state.basic !== undefined });
      if (declared > limit) throw bodyTooLarge(limit, declared);
    }
  });

  // A body left partly unread (refused early, or by a handler that never reads it) must not be read
  // to its end to keep the connection: close it once the answer is out.
  app.addHook('onSend', async (request, reply, payload) => {
    if (!request.raw.complete) {
      reply.header('connection', 'close');
      lingerBeforeClosing(request.raw.socket);
    }
    return payload;
  });

  // A `file` value on disk that no handler took (the request failed first).
  const discardSpilled = async (request: FastifyRequest) => {
    await takeSpilledFile(request)?.discard();
  };
  app.addHook('onResponse', discardSpilled);
  app.addHook('onRequestAbort', discardSpilled);
}

/** How long a connection closed on an unread body stays half-open after the answer (see below). */
const CLOSE_LINGER_MS = 2_000;

/**
 * Node ends a `Connection: close` answer with socket.destroySoon(): the socket is destroyed as soon
 * as the answer is written, and closing a socket with unread bytes resets it, which makes a client
 * still sending its body (fetch) fail before it reads the answer. Instead the write side is closed
 * at once (the client sees the answer, then the end) and the socket is destroyed a moment later. The
 * rest of the body is not read meanwhile: once the buffers are full the client simply waits.
 */
function lingerBeforeClosing(socket: Socket | null): void {
  if (!socket || socket.destroyed) return;
  socket.destroySoon = function destroyAfterLinger(this: Socket) {
    if (this.writable) this.end();
    const timer = setTimeout(() => this.destroy(), CLOSE_LINGER_MS);
    timer.unref();
    this.once('close', () => clearTimeout(timer));
  };
}

/** The upload routes (upload-route.ts): the only ones whose `file` may be large. */
const UPLOAD_ROUTE = /^\/v1_1\/:cloud\/:resourceType\/(?:(?::type\/)?upload|upload_chunked)$/;
/** Upload API calls that refuse an unknown cloud before anything else. */
const UPLOAD_API_ROUTE =
  /^\/v1_1\/:cloud\/:resourceType\/(?:(?::type\/)?upload|upload_chunked|explicit|rename|destroy|tags|context|metadata|multi|explode|sprite|text|generate_archive)$/;
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function contentLength(request: FastifyRequest): number | undefined {
  const header = request.headers['content-length'];
  if (header === undefined || !/^\d+$/.test(header)) return undefined;
  return Number(header);
}

/**
 * Reads a urlencoded or JSON body through a scanner, counting its bytes against the body limit; on
 * any failure the scanner drops what it kept (a `file` value on disk).
 */
async function scan<T>(
  payload: Readable,
  encoding: BodyEncoding,
  state: RequestBodyState,
  scanner: { write(chunk: Buffer): void | Promise<void>; end(): Promise<T>; abort(): Promise<void> },
): Promise<T> {
  const limit = bodyLimit(state.limits, encoding, { takesFile: state.takesFile, basic: state.basic !== undefined });
  let bytes = 0;
  try {
    await consumeStream(payload, (chunk) => {
      bytes += chunk.length;
      if (bytes > limit) throw bodyTooLarge(limit);
      return scanner.write(chunk);
    });
    return await scanner.end();
  } catch (error) {
    await scanner.abort();
    throw error;
  }
}
