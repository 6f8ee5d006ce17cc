import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Token-authenticated delivery (docs/token-auth.md): the `__cld_token__` the official SDKs build with
 * their `auth_token` setting (cloudinary_npm lib/auth_token.js), checked the way a CDN checks it.
 *
 *   ip=<ip>~st=<start>~exp=<expiration>~acl=<escaped acl>~hmac=<hex HMAC-SHA256>
 *
 * Every field but `exp` and `hmac` is optional, and they come in that order. The HMAC key is the
 * cloud's token key, hex-decoded; the text signed is the token's fields before `hmac`, `~`-separated,
 * and, for a token without `acl` (a token for one URL), `~url=<escaped path of the URL>`, a field the
 * token itself does not carry. `acl` holds one or more path patterns separated by `!`, where `*`
 * stands for any run of characters (`/` included). Escaping lowercases its `%xx` and leaves `*` and
 * `!` alone, as the SDK's does.
 *
 * Everything here is pure: the request's paths, IP address and clock are given.
 */

export const AUTH_TOKEN_NAME = '__cld_token__';

/** A longer token is refused unread (no SDK builds one: it would need an ACL list of kilobytes). */
export const MAX_AUTH_TOKEN_LENGTH = 8192;

/** Why a token was refused. `signature` covers a wrong key and a URL token used for another URL. */
export type AuthTokenFailure = 'malformed' | 'signature' | 'expired' | 'not_yet_valid' | 'ip' | 'acl';

export type AuthTokenVerdict = { ok: true } | { ok: false; failure: AuthTokenFailure; message: string };

export interface ParsedAuthToken {
  ip?: string;
  startTime?: number;
  expiration: number;
  /** The ACL patterns, unescaped; absent for a token that signs one URL. */
  acl?: string[];
  /** The token's fields before `hmac`, as it carries them: what was signed (a URL token adds `~url=`). */
  signedFields: string;
  /** Lowercase hex. */
  hmac: string;
}

export interface AuthTokenRequest {
  /**
   * The request's path as it arrived (percent-encoded as the client sent it, no query), in each form
   * a token may have been made for: the first is the whole path, others may leave a routing prefix out.
   */
  paths: readonly string[];
  /** The client's IP address. */
  ip: string;
  /** Now, in whole seconds since the epoch (the SDK's `Math.round(Date.now() / 1000)`). */
  now: number;
}

/** The fields in the order the SDKs write them; `hmac` closes the token. */
const FIELD_ORDER = ['ip', 'st', 'exp', 'acl', 'hmac'] as const;
type FieldName = (typeof FIELD_ORDER)[number];

const SECONDS = /^\d{1,12}$/;
const HMAC = /^[0-9a-f]{64}$/i;
/** What the SDK escapes in `acl` and `url` (auth_token.js `unsafe`). */
const UNSAFE = /([ "#%&'/:;<=>?@[\]^`{|}~]+)/g;

/**
 * The SDK's `escapeToLower`: each unsafe character as `%XX`, then every `%..` lowercased. Everything
 * else, `*`, `!` and characters beyond ASCII included, stays as it is.
 */
export function escapeAuthTokenText(text: string): string {
  const escaped = text.replace(UNSAFE, (run) =>
    run
      .split('')
      .map((character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`)
      .join(''),
  );
  return escaped.replace(/%../g, (escape) => escape.toLowerCase());
}

/** Reads a token's text (the value of `__cld_token__`). */
export function parseAuthToken(text: string): { ok: true; token: ParsedAuthToken } | { ok: false; message: string } {
  const bad = (reason: string) => ({ ok: false as const, message: `Invalid token: ${reason}` });
  if (text.length === 0) return bad('empty');
  if (text.length > MAX_AUTH_TOKEN_LENGTH) return bad(`longer than ${MAX_AUTH_TOKEN_LENGTH} characters`);
  const fields = new Map<FieldName, string>();
  let position = 0;
  for (const part of text.split('~')) {
    const separator = part.indexOf('=');
    const name = separator < 0 ? part : part.slice(0, separator);
    const index = FIELD_ORDER.indexOf(name as FieldName);
    if (separator < 0 || index < 0) return bad(`unknown field ${JSON.stringify(name.slice(0, 32))}`);
    // Each field once, in the SDK's order: a repeated field, or one after hmac, is out of place too.
    if (index < position) return bad(`field ${name} repeated or out of place (the order is ${FIELD_ORDER.join(', ')})`);
    fields.set(name as FieldName, part.slice(separator + 1));
    position = index + 1;
  }
  const ip = fields.get('ip');
  const st = fields.get('st');
  const exp = fields.get('exp');
  const acl = fields.get('acl');
  const hmac = fields.get('hmac');
  if (exp === undefined) return bad('exp is missing');
  if (hmac === undefined) return bad('hmac is missing');
  if (ip === '') return bad('ip is empty');
  if (st !== undefined && !SECONDS.test(st)) return bad('st is not a number of seconds');
  if (!SECONDS.test(exp)) return bad('exp is not a number of seconds');
  if (acl === '') return bad('acl is empty');
  if (!HMAC.test(hmac)) return bad('hmac is not 64 hexadecimal digits');
  let patterns: string[] | undefined;
  if (acl !== undefined) {
    patterns = [];
    for (const escaped of acl.split('!')) {
      const pattern = unescape(escaped);
      if (pattern === undefined) return bad('acl is not valid percent-encoding');
      patterns.push(pattern);
    }
  }
  const signed: string[] = [];
  if (ip !== undefined) signed.push(`ip=${ip}`);
  if (st !== undefined) signed.push(`st=${st}`);
  signed.push(`exp=${exp}`);
  if (acl !== undefined) signed.push(`acl=${acl}`);
  const token: ParsedAuthToken = { expiration: Number(exp), signedFields: signed.join('~'), hmac: hmac.toLowerCase() };
  if (ip !== undefined) token.ip = ip;
  if (st !== undefined) token.startTime = Number(st);
  if (patterns !== undefined) token.acl = patterns;
  return { ok: true, token };
}

/**
 * Checks a token against a request with the cloud's hex key. The signature is checked first, so a
 * forged token learns nothing of why else it would fail; then the time window (`st` ≤ now ≤ `exp`,
 * both ends included), the IP address, the ACL.
 */
export function verifyAuthToken(text: string, key: string, request: AuthTokenRequest): AuthTokenVerdict {
  const parsed = parseAuthToken(text);
  if (!parsed.ok) return { ok: false, failure: 'malformed', message: parsed.message };
  const { token } = parsed;
  const secret = Buffer.from(key, 'hex');
  const signedTexts =
    token.acl !== undefined ? [token.signedFields] : request.paths.map((path) => `${token.signedFields}~url=${escapeAuthTokenText(path)}`);
  // Every candidate is computed and compared, so the time taken does not tell which one matched.
  let signatureMatches = false;
  for (const signed of signedTexts) {
    if (sameHex(createHmac('sha256', secret).update(signed, 'utf8').digest('hex'), token.hmac)) signatureMatches = true;
  }
  if (!signatureMatches) {
    const what = token.acl !== undefined ? 'its fields' : 'this URL';
    return { ok: false, failure: 'signature', message: `Invalid token: the signature does not match ${what}` };
  }
  if (token.expiration < request.now) return { ok: false, failure: 'expired', message: `Token expired at ${token.expiration}` };
  if (token.startTime !== undefined && token.startTime > request.now) {
    return { ok: false, failure: 'not_yet_valid', message: `Token not valid before ${token.startTime}` };
  }
  if (token.ip !== undefined && normalizeIp(token.ip) !== normalizeIp(request.ip)) {
    return { ok: false, failure: 'ip', message: 'Token is not valid for this IP address' };
  }
  if (token.acl !== undefined && !request.paths.some((path) => aclCovers(token.acl ?? [], path))) {
    return { ok: false, failure: 'acl', message: `Token ACL does not cover ${request.paths[0] ?? ''}` };
  }
  return { ok: true };
}

/**
 * Whether one of the patterns matches the path, as it arrived (percent-encoded) or decoded: an ACL is
 * written in plain text (`/image/authenticated/my folder/*`) and the SDK escapes it for the token only.
 */
export function aclCovers(patterns: readonly string[], path: string): boolean {
  const decoded = unescape(path);
  return patterns.some((pattern) => globMatches(pattern, path) || (decoded !== undefined && decoded !== path && globMatches(pattern, decoded)));
}

/**
 * `*` matches any run of characters, `/` included; every other character matches itself. The whole
 * text must match. Linear backtracking to the last `*` only: no pattern makes it slow.
 */
export function globMatches(pattern: string, text: string): boolean {
  let p = 0;
  let t = 0;
  let star = -1;
  let resume = 0;
  while (t < text.length) {
    if (pattern[p] === '*') {
      star = p++;
      resume = t;
    } else if (pattern[p] === text[t]) {
      p++;
      t++;
    } else if (star >= 0) {
      p = star + 1;
      t = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern[p] === '*') p++;
  return p === pattern.length;
}

/** A token key: hexadecimal, a whole number of bytes, 16 to 256 of them. */
export function isAuthTokenKey(key: string): boolean {
  return /^(?:[0-9a-fA-F]{2}){16,256}$/.test(key);
}

/** A new token key: 32 random bytes, in lowercase hex. */
export function generateAuthTokenKey(): string {
  return randomBytes(32).toString('hex');
}

/**
 * The token of a request's query text (what follows `?`), as the SDK wrote it: the SDK appends
 * `__cld_token__=<token>` unencoded, and clients then percent-encode only the characters beyond ASCII
 * (which the SDK never escapes), so those are decoded back; anything else stays as it arrived. A token
 * sent fully percent-encoded (`exp%3D…`) is decoded once. The first one counts.
 */
export function authTokenFromQuery(query: string): string | undefined {
  const prefix = `${AUTH_TOKEN_NAME}=`;
  for (const pair of query.split('&')) {
    if (!pair.startsWith(prefix)) continue;
    const value = pair.slice(prefix.length);
    if (/^[^=~]*%3D/i.test(value)) return unescape(value) ?? value;
    return decodeNonAscii(value);
  }
  return undefined;
}

/** Every `__cld_token__` of a Cookie header (a browser sends one per path it was set for), unquoted. */
export function authTokensFromCookies(header: string | undefined): string[] {
  if (!header) return [];
  const tokens: string[] = [];
  for (const part of header.split(';')) {
    const separator = part.indexOf('=');
    if (separator < 0 || part.slice(0, separator).trim() !== AUTH_TOKEN_NAME) continue;
    const value = part.slice(separator + 1).trim();
    tokens.push(value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value);
  }
  return tokens;
}

/** IPv4 written as IPv6 (`::ffff:10.0.0.1`, as a dual-stack socket reports it) is the IPv4 address. */
function normalizeIp(ip: string): string {
  const lower = ip.trim().toLowerCase();
  return lower.startsWith('::ffff:') && lower.includes('.') ? lower.slice('::ffff:'.length) : lower;
}

function sameHex(expected: string, received: string): boolean {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(received, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Percent-decoding, or undefined for escapes that are no UTF-8. */
function unescape(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

/** Decodes the runs of `%XX` escapes of bytes 0x80–0xFF (UTF-8 beyond ASCII), when they are UTF-8. */
function decodeNonAscii(text: string): string {
  return text.replace(/(?:%[89a-fA-F][0-9a-fA-F])+/g, (run) => unescape(run) ?? run);
}
