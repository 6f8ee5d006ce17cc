import type { FastifyInstance, FastifyRequest } from 'fastify';
import { searchFolders, searchResources, type AdminCaller } from '@rendition/admin';
import { authenticateAdmin } from '../admin-request.ts';
import type { ApiServerRouteDependencies } from './route-dependencies.ts';

type SearchRequest = FastifyRequest<{ Params: { cloud: string } }>;

/**
 * The Search API (docs/search.md): `cloudinary.v2.search` posts JSON to `resources/search`,
 * `cloudinary.v2.search_folders` to `folders/search`. Basic auth as every Admin API call. The body is
 * handed on as parsed (its `sort_by` and `aggregate` are structured); a GET of resources/search, or a
 * POST with a form body, passes its parameters as text, which the admin package reads too.
 */
export function registerSearchRoutes(app: FastifyInstance, deps: ApiServerRouteDependencies): void {
  const search = (run: typeof searchResources) => async (request: SearchRequest) => {
    const caller = await searchCaller(deps, request);
    return run(deps, caller, searchInput(request));
  };
  app.post('/v1_1/:cloud/resources/search', search(searchResources));
  app.get('/v1_1/:cloud/resources/search', search(searchResources));
  // POST only: `GET folders/search` stays sub_folders of a root folder named "search".
  app.post('/v1_1/:cloud/folders/search', search(searchFolders));
}

async function searchCaller(deps: ApiServerRouteDependencies, request: SearchRequest): Promise<AdminCaller> {
  const { cloud, credentials } = await authenticateAdmin(deps.db, request);
  return { cloudName: cloud, apiSecret: credentials.apiSecret };
}

/** The body as parsed (JSON or form), with the query string's parameters under it. */
function searchInput(request: SearchRequest): unknown {
  const query = (request.query ?? {}) as Record<string, unknown>;
  const body = request.body;
  if (body === undefined || body === null) return query;
  if (typeof body !== 'object' || Array.isArray(body)) return body;
  return { ...query, ...(body as Record<string, unknown>) };
}
