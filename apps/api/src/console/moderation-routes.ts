import type { FastifyInstance, FastifyReply } from 'fastify';
import { ApiError } from '@rendition/protocol';
import { HOME_PATH, LOGIN_PATH } from './auth-routes.ts';
import { csrfToken, csrfTokenValid } from './csrf.ts';
import { DECISIONS, isOneOf, moderationPageUrl, PAGE_SIZE, parseFilters } from './filters.ts';
import { renderModerationPage } from './pages.ts';
import { PREVIEW_PREFIX } from './thumbnails.ts';
import { bodyField, isJsonRequest, refuseForeignOrigin, sessionOf } from './request-session.ts';
import { nextCursor, reviewItems, type ReviewItem } from './review-items.ts';
import type { ConsoleServices } from './services.ts';

/** The review page and the decisions it posts. */
export function registerModerationRoutes(scope: FastifyInstance, services: ConsoleServices): void {
  scope.get(HOME_PATH, async (request, reply) => {
    const session = await sessionOf(services, request);
    if (!session) return reply.redirect(LOGIN_PATH, 303);
    const { cloudName, apiSecret } = session.credentials;
    const filters = parseFilters(request.query as Record<string, unknown>);
    const params = { max_results: String(PAGE_SIZE), ...(filters.cursor === undefined ? {} : { next_cursor: filters.cursor }) };
    const page = { cloudName, apiSecret, csrfToken: csrfToken(apiSecret, session.payload), filters, items: [] as ReviewItem[] };
    try {
      const listing = await services.listByModeration(
        { cloudName, apiSecret },
        { resourceType: filters.resourceType, kind: filters.kind, status: filters.status },
        params,
      );
      const next = nextCursor(listing);
      return sendHtml(reply, renderModerationPage({ ...page, items: reviewItems(listing), ...(next === undefined ? {} : { nextCursor: next }) }));
    } catch (error) {
      // A refusal of the listing (a cursor from another filter) is shown on the page; a failure is the error handler's.
      if (!(error instanceof ApiError) || error.status >= 500) throw error;
      return sendHtml(reply.code(error.status), renderModerationPage({ ...page, error: error.message }));
    }
  });

  // Thumbnails: the delivery path after the prefix, for the session's cloud only, rejected assets
  // included (a moderator must see what was rejected to reverse it; the public URL answers 404).
  scope.get(`${PREVIEW_PREFIX}/*`, async (request, reply) => {
    const session = await sessionOf(services, request);
    if (!session) throw new ApiError(401, 'Not signed in to the console');
    const urlPath = (request.url.split('?')[0] ?? '').slice(PREVIEW_PREFIX.length);
    return services.preview(session.credentials.cloudName, request, reply, urlPath);
  });

  scope.post(`${HOME_PATH}/decide`, async (request, reply) => {
    const json = isJsonRequest(request);
    const session = await sessionOf(services, request);
    if (!session) {
      if (json) throw new ApiError(401, 'Not signed in to the console');
      return reply.redirect(LOGIN_PATH, 303);
    }
    refuseForeignOrigin(request);
    const { apiKey, apiSecret, cloudName } = session.credentials;
    const header = request.headers['x-csrf-token'];
    const token = (Array.isArray(header) ? header[0] : header) ?? bodyField(request.body, 'csrf_token');
    if (!csrfTokenValid(apiSecret, session.payload, token)) throw new ApiError(403, 'Missing or invalid CSRF token');

    const status = bodyField(request.body, 'status');
    if (!isOneOf(DECISIONS, status)) throw new ApiError(400, `status must be one of ${DECISIONS.join(', ')}`);
    const publicId = bodyField(request.body, 'public_id');
    if (!publicId) throw new ApiError(400, 'Missing required parameter - public_id');
    const resource = await services.decide(
      { cloudName, apiSecret, apiKey },
      { resourceType: bodyField(request.body, 'resource_type') ?? 'image', type: bodyField(request.body, 'type') ?? 'upload', publicId },
      { moderation_status: status },
    );
    if (json) return resource;
    return reply.redirect(backTo(bodyField(request.body, 'back')), 303);
  });
}

/** The page a no-script form was on, rebuilt from its filters so that the redirect can only lead there. */
function backTo(back: string | undefined): string {
  let query: Record<string, string> = {};
  try {
    query = Object.fromEntries(new URL(back ?? HOME_PATH, 'http://console.invalid').searchParams);
  } catch {
    // Not a URL: the default filters.
  }
  return moderationPageUrl(parseFilters(query));
}

function sendHtml(reply: FastifyReply, page: string): FastifyReply {
  return reply.type('text/html; charset=utf-8').send(page);
}
