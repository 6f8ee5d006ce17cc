import { ApiError } from './api-error.ts';
import { quoteValue } from './request-params.ts';

/**
 * The remote URL of a fetch delivery URL (`/<cloud>/image/fetch/[…/]<remote url>`, docs/fetch-delivery.md)
 * and the cloud's allowed fetch domains. Pure text rules; the delivery path parser and the fetch
 * itself use them.
 */

/** Longest remote URL a fetch URL may name (decoded); longer is a 400. */
export const MAX_FETCH_URL_LENGTH = 2048;

/** Where the remote URL starts among a fetch path's components: `http:` or `https:`, `:` possibly escaped. */
export const FETCH_SOURCE_START = /^https?(?::|%3A)/i;

/**
 * The remote URL as the SDK writes it into a fetch URL (cloudinary_npm's smart_escape): every
 * character but `A-Z a-z 0-9 _ . - / :` percent-encoded, so the remote URL's own `?`, `&`, `#` and
 * `%` stay part of the path. Non-ASCII characters are encoded as UTF-8 (the SDK writes code units
 * below 256 as one Latin-1 byte; decodeFetchSource reads both).
 */
export function encodeFetchSource(url: string): string {
  return url.replace(/[^A-Za-z0-9_.\-/:]+/g, (run) =>
    [...Buffer.from(run, 'utf8')].map((byte) => `%${byte.toString(16).toUpperCase().padStart(2, '0')}`).join(''),
  );
}

/**
 * The remote URL of a fetch URL's source text, as written in the path: percent-decoded once (so the
 * SDK's `%3F` is the remote URL's `?`). Escapes that are not UTF-8 are read as Latin-1, as the SDK
 * writes them. A single slash after the scheme (`https:/host`, what a path-normalizing proxy makes of
 * `//`) is read as two. Anything that is not then an absolute http(s) URL with a host is a 400.
 * The text is kept as the client wrote it (it is the fetched asset's public_id).
 */
export function decodeFetchSource(raw: string): string {
  let decoded: string;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    decoded = raw.replace(/%([0-9A-Fa-f]{2})/g, (_escape, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
  }
  const url = decoded.replace(/^(https?):\/(?!\/)/i, '$1://');
  const shown = quoteValue(url, 200);
  if (url.length > MAX_FETCH_URL_LENGTH) throw new ApiError(400, `Invalid fetch URL: longer than ${MAX_FETCH_URL_LENGTH} characters`);
  // eslint-disable-next-line no-control-regex -- control characters are what is refused
  if (/[\u0000-\u001f\u007f]/.test(url)) throw new ApiError(400, `Invalid fetch URL ${shown}: control characters are not allowed`);
  const parsed = URL.parse(url);
  if (parsed === null || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') || parsed.hostname === '') {
    throw new ApiError(400, `Invalid fetch URL ${shown}: expected an absolute http or https URL`);
  }
  return url;
}

/** The URL a fetch asks the remote server for: the public_id without its fragment, which is never sent. */
export function fetchRequestUrl(url: string): string {
  const parsed = new URL(url);
  parsed.hash = '';
  return parsed.href;
}

/**
 * One entry of a cloud's allowed fetch domains, normalized: a host name (lower case, IDN as punycode,
 * no trailing dot) or an IP address. A leading `*.` is accepted and dropped: a name always covers its
 * subdomains (isAllowedFetchHost). Undefined when the entry is not a host.
 */
export function normalizeFetchDomain(entry: string): string | undefined {
  const trimmed = entry.trim().replace(/^\*\./, '');
  if (trimmed === '' || /[\s/\\?#@:%]/.test(trimmed.replace(/^\[[0-9a-fA-F:.]+\]$/, 'ipv6'))) return undefined;
  const parsed = URL.parse(`http://${trimmed}/`);
  if (parsed === null || parsed.hostname === '' || parsed.port !== '') return undefined;
  const host = parsed.hostname.replace(/\.$/, '');
  if (host === '' || host.startsWith('.') || host.includes('..')) return undefined;
  return host;
}

/**
 * Whether a remote URL's host may be fetched for a cloud whose allowed fetch domains are `domains`
 * (normalized entries): any host when there are none; else a host equal to an entry or, for a name, a
 * subdomain of it (`img.example.com` under `example.com`). IP addresses match only themselves.
 */
export function isAllowedFetchHost(hostname: string, domains: readonly string[]): boolean {
  if (domains.length === 0) return true;
  const host = hostname.toLowerCase().replace(/\.$/, '');
  return domains.some((domain) => host === domain || (!isIpLiteral(domain) && host.endsWith(`.${domain}`)));
}

function isIpLiteral(host: string): boolean {
  return host.startsWith('[') || /^\d+\.\d+\.\d+\.\d+$/.test(host);
}
