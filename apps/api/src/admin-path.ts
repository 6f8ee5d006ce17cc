/**
 * Recent SDKs percent-encode each element of an Admin path, and some calls hand them one element
 * holding slashes (`"resources/search"`, `"streaming_profiles/" + name`, `["folders", "a/b"]`), which
 * arrives as `resources%2Fsearch`. The router matches static text undecoded, so those reach no route.
 * `decodeAdminPath` turns the `%2F` that separate an Admin path's routing words back into `/`, before
 * routing, and leaves every other one alone: the slashes of a public_id or a tag in
 * `resources/<rt>/<type>/<public_id>` or `resources/<rt>/tags/<tag>` are encoded on purpose, so that
 * the id arrives as one path segment (routes/admin-resource-routes.ts).
 */

const ADMIN_PREFIX = '/v1_1/';
const ENCODED_SLASH = /%2f/i;

/**
 * How many leading elements after `/v1_1/<cloud>/` are routing words, given those read so far; the
 * `%2F` after each of them is a separator. Past them come names the client chose.
 */
function routingWords(read: readonly string[]): number {
  switch (read[0]) {
    // resources/<rt>/<type>/<public_id>, resources/<rt>/tags/<tag>, resources/search, …
    case 'resources':
      return read[1] === 'related_assets' ? 4 : 3;
    // A folder path's every `/` separates folders; no folder name holds one.
    case 'folders':
      return Number.POSITIVE_INFINITY;
    // `"streaming_profiles/" + name`: a profile name holds no `/` (STREAMING_PROFILE_NAME_PATTERN).
    case 'streaming_profiles':
      return 2;
    // Elsewhere only the first word routes: `metadata_fields/<external_id>` keeps an id's `%2F`.
    default:
      return 1;
  }
}

/** `a%2Fb%2fc` → `['a', '%2F', 'b', '%2f', 'c']`: the pieces and, between them, each separator as sent. */
function splitEncodedSlashes(segment: string): string[] {
  return segment.split(/(%2f)/i);
}

/** The request URL with the routing words' `%2F` decoded (see above); any other URL unchanged. */
export function decodeAdminPath(url: string): string {
  if (!url.startsWith(ADMIN_PREFIX)) return url;
  const queryStart = url.search(/[?#]/);
  const path = queryStart < 0 ? url : url.slice(0, queryStart);
  const rest = queryStart < 0 ? '' : url.slice(queryStart);
  if (!ENCODED_SLASH.test(path)) return url;

  const [, version, cloud, ...elements] = path.split('/');
  if (elements.length === 0) return url;
  const read: string[] = [];
  for (const [index, element] of elements.entries()) {
    if (read.length >= routingWords(read)) {
      read.push(...elements.slice(index));
      break;
    }
    const pieces = splitEncodedSlashes(element);
    // Each routing word ends at the next separator; what follows the last one stays one element.
    while (pieces.length > 1 && read.length < routingWords(read)) {
      read.push(pieces.shift() ?? '');
      pieces.shift();
    }
    read.push(pieces.join(''));
  }
  return `/${version}/${cloud}/${read.join('/')}${rest}`;
}
