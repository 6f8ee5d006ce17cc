/**
 * How long a fetched image is served before the remote server is asked again: what the origin's
 * caching headers allow a shared cache (RFC 9111 §4.2.1: `s-maxage`, else `max-age`, less `Age`, else
 * `Expires` − `Date`), within FETCH_CACHE_MIN_TTL_S and FETCH_CACHE_MAX_TTL_S. An origin that says
 * nothing gets the maximum (Cloudinary re-checks fetched images weekly by default); one that forbids
 * storing or reusing (`no-store`, `no-cache`, `private`, max-age 0) gets the minimum: the image is
 * still stored, as every delivery needs its original, but asked for again as soon as the operator allows.
 */
export interface FreshnessBounds {
  minTtlSeconds: number;
  maxTtlSeconds: number;
}

export function freshnessLifetime(headers: Readonly<Record<string, string>>, bounds: FreshnessBounds, now: Date = new Date()): number {
  const clamp = (seconds: number) => Math.min(bounds.maxTtlSeconds, Math.max(bounds.minTtlSeconds, Math.floor(seconds)));
  const directives = parseCacheControl(headers['cache-control']);
  if (directives.has('no-store') || directives.has('no-cache') || directives.has('private')) return bounds.minTtlSeconds;
  const age = deltaSeconds(headers.age) ?? 0;
  const maxAge = deltaSeconds(directives.get('s-maxage')) ?? deltaSeconds(directives.get('max-age'));
  if (maxAge !== undefined) return clamp(maxAge - age);
  if (headers.expires !== undefined) {
    const expires = Date.parse(headers.expires);
    // An invalid Expires (`0`, `-1`) means already expired (RFC 9111 §5.3).
    if (Number.isNaN(expires)) return bounds.minTtlSeconds;
    const date = headers.date === undefined ? Number.NaN : Date.parse(headers.date);
    const base = Number.isNaN(date) ? now.getTime() : date;
    return clamp((expires - base) / 1000 - age);
  }
  return bounds.maxTtlSeconds;
}

/** Directive names (lower case) with their values, unquoted; `max-age=60, public` → {max-age: '60', public: ''}. */
function parseCacheControl(header: string | undefined): Map<string, string> {
  const directives = new Map<string, string>();
  for (const part of (header ?? '').split(',')) {
    const [name = '', ...value] = part.split('=');
    const key = name.trim().toLowerCase();
    if (key !== '' && !directives.has(key))
      directives.set(
        key,
        value
          .join('=')
          .trim()
          .replace(/^"(.*)"$/, '$1'),
      );
  }
  return directives;
}

function deltaSeconds(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d{1,12}$/.test(value.trim())) return undefined;
  return Number(value.trim());
}
