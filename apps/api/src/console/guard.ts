import type { FastifyInstance } from 'fastify';
import { ApiError } from '@rendition/protocol';
import { bodyEncoding, bodyLimit, bodyTooLarge, type BodyLimits } from '../body-limits.ts';
import { requestBodyState } from '../request-body-state.ts';

/**
 * Every console answer: a Content-Security-Policy that allows only the console's own files (so no
 * injected markup can run or load anything), no framing, no MIME sniffing, no Referer leaving the
 * site, no caching of pages that show a cloud's assets. `connect-src 'self'` lets the page's script
 * post decisions.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'none'; img-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
  'cache-control': 'no-store',
};

/**
 * The console's forms carry a few short fields: its bodies are read (by body-guard.ts's parsers)
 * within these limits, far below the Upload API's.
 */
export const CONSOLE_BODY_LIMITS: BodyLimits = {
  maxUploadBytes: 0,
  maxDataUriBytes: 0,
  maxFieldBytes: 8 * 1024,
  maxFieldsTotalBytes: 16 * 1024,
};

/** Installs the headers and the body limits on the console's scope (its routes only). */
export function guardConsoleScope(scope: FastifyInstance): void {
  scope.addHook('onRequest', async (request) => {
    // body-guard.ts's own hook ran first and chose the API's limits; the parsers read these instead.
    requestBodyState(request).limits = CONSOLE_BODY_LIMITS;
    if (request.method !== 'POST') return;
    const contentType = request.headers['content-type'];
    const encoding = bodyEncoding(contentType);
    if (contentType !== undefined && encoding !== 'urlencoded' && encoding !== 'json') {
      throw new ApiError(400, 'Unsupported Content-Type; send application/x-www-form-urlencoded or application/json');
    }
    const declared = Number(request.headers['content-length']);
    if (encoding && Number.isSafeInteger(declared)) {
      const limit = bodyLimit(CONSOLE_BODY_LIMITS, encoding, { takesFile: false, basic: false });
      if (declared > limit) throw bodyTooLarge(limit, declared);
    }
  });
  scope.addHook('onSend', async (_request, reply, payload) => {
    reply.headers(SECURITY_HEADERS);
    return payload;
  });
}
