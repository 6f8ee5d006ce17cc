import { isIP } from 'node:net';
import type { AddressPolicy } from './address-policy.ts';
import { displayUrl, RemoteFetchError } from './remote-fetch-error.ts';

/**
 * The synchronous part of the guard, cheap enough for request intake: the URL parses, is http(s),
 * carries no credentials, and is not a literal IP the policy refuses. Hostnames are judged later, at
 * connect time, because only then is the address known. Returns the parsed URL.
 */
export function assertFetchableUrl(url: string, policy: AddressPolicy): URL {
  const parsed = URL.parse(url);
  if (parsed === null) throw new RemoteFetchError('bad_url', 'Refused to fetch the given URL: it is not a valid URL');
  const shown = displayUrl(parsed);
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new RemoteFetchError('bad_url', `Refused to fetch ${shown}: only http and https URLs are allowed`);
  }
  if (parsed.username !== '' || parsed.password !== '') {
    throw new RemoteFetchError('bad_url', `Refused to fetch ${shown}: URLs with credentials are not allowed`);
  }
  if (parsed.hostname === '') throw new RemoteFetchError('bad_url', `Refused to fetch ${shown}: the URL has no host`);
  // The URL parser has already normalized `0x7f.1`, `2130706433` and friends to dotted quads.
  const literal = parsed.hostname.startsWith('[') ? parsed.hostname.slice(1, -1) : parsed.hostname;
  if (isIP(literal) !== 0 && !policy.isAllowedAddress(literal)) {
    throw new RemoteFetchError('refused_address', `Refused to fetch ${shown}: address ${literal} is not allowed`);
  }
  return parsed;
}
