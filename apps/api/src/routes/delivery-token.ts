import type { FastifyRequest } from 'fastify';
import { cloudAuthTokenKey, type CatalogDb } from '@rendition/catalog';
import { ApiError, authTokenFromQuery, authTokensFromCookies, verifyAuthToken, type AuthTokenVerdict, type DeliveryPath } from '@rendition/protocol';

/**
 * Token-authenticated delivery (docs/token-auth.md): a `__cld_token__`, in the query (as the SDKs'
 * `auth_token` with `sign_url` appends it) or in a cookie of that name, stands in for an `s--…--`
 * signature when it verifies with the cloud's token key.
 *
 * True when one of the request's tokens verifies. Tokens count only where delivery asks for a
 * signature, and a cookie goes with every request of its site, so a token that does not verify is
 * passed over (false) except on an `authenticated` URL, which nothing unsigned reaches: there it is a
 * 403 that says why (or a 401 when the cloud has no token key).
 */
export async function deliveryTokenAuthorizes(db: CatalogDb, request: FastifyRequest, urlPath: string, path: DeliveryPath): Promise<boolean> {
  const query = request.url.indexOf('?');
  const fromQuery = query < 0 ? undefined : authTokenFromQuery(request.url.slice(query + 1));
  const tokens = [...(fromQuery === undefined ? [] : [fromQuery]), ...authTokensFromCookies(request.headers.cookie)];
  if (tokens.length === 0) return false;
  const key = await cloudAuthTokenKey(db, path.cloudName);
  if (key === undefined) {
    if (path.type !== 'authenticated') return false;
    throw new ApiError(401, `Resource ${path.publicIdWithExt} requires a signed URL: cloud ${path.cloudName} takes no tokens (no token key is set)`);
  }
  // A token may be made for the whole path or, as for a private CDN or CNAME, for the path after the cloud name.
  const whole = urlPath.startsWith('/') ? urlPath : `/${urlPath}`;
  const afterCloud = whole.replace(/^\/[^/]*/, '');
  const now = Math.round(Date.now() / 1000);
  const verdicts = tokens.map((token) => verifyAuthToken(token, key, { paths: [whole, afterCloud], ip: request.ip, now }));
  const refusals = verdicts.filter((verdict): verdict is Refusal => !verdict.ok);
  if (refusals.length < verdicts.length) return true;
  if (path.type !== 'authenticated') return false;
  // The query's token comes first: its reason is the one given.
  throw new ApiError(403, refusals[0]?.message ?? 'Invalid token');
}

type Refusal = Extract<AuthTokenVerdict, { ok: false }>;
