import { isIP } from 'node:net';
import { domainToASCII } from 'node:url';
import ipaddr from 'ipaddr.js';

type Address = ipaddr.IPv4 | ipaddr.IPv6;
type Cidr = [Address, number];

export interface AddressPolicy {
  /** Whether a connection to this IP (v4 or v6, as DNS or a socket reports it) may be made. */
  isAllowedAddress(ip: string): boolean;
  /** Whether this hostname was allow-listed by name, which exempts it from the address check. */
  isAllowedHost(hostname: string): boolean;
}

// Only 2000::/3 is allocated as global unicast (RFC 4291 §2.4); ipaddr.js calls everything it has no
// name for 'unicast', including the deprecated IPv4-compatible ::a.b.c.d form, so this bounds it.
const GLOBAL_UNICAST_V6: Cidr = ipaddr.parseCIDR('2000::/3');
// Only the well-known NAT64 prefix has a fixed place for the IPv4 address; 64:ff9b:1::/48 is for local
// use with network-specific layouts, so it stays refused.
const WELL_KNOWN_NAT64: Cidr = ipaddr.parseCIDR('64:ff9b::/96');

/**
 * Builds the SSRF address policy: an address is allowed when it is global unicast, or when an allow-list
 * entry names it. Entries are CIDRs (`10.0.0.0/8`, `::1/128`), single IPs, or hostnames (exact,
 * case-insensitive). A bad entry throws, so a typo in configuration fails at boot, not at fetch time.
 */
export function createAddressPolicy(allow: readonly string[]): AddressPolicy {
  const cidrs: Cidr[] = [];
  const hosts = new Set<string>();
  for (const entry of allow) {
    const trimmed = entry.trim();
    const cidr = parseAllowedCidr(trimmed);
    if (cidr !== undefined) cidrs.push(cidr);
    else hosts.add(parseAllowedHostname(trimmed, entry));
  }

  const allowListed = (address: Address): boolean => cidrs.some(([range, bits]) => range.kind() === address.kind() && address.match(range, bits));

  return {
    isAllowedAddress(ip) {
      const address = parseAddress(ip);
      if (address === undefined) return false;
      const embedded = address.kind() === 'ipv6' ? embeddedIPv4(address as ipaddr.IPv6) : undefined;
      if (allowListed(address) || (embedded !== undefined && allowListed(embedded))) return true;
      // An IPv6 form that carries an IPv4 address reaches that IPv4 host, so the IPv4 is what is judged.
      return isGlobalUnicast(embedded ?? address);
    },
    isAllowedHost(hostname) {
      return hosts.size > 0 && hosts.has(normalizeHostname(hostname));
    },
  };
}

function parseAddress(ip: string): Address | undefined {
  const unbracketed = ip.startsWith('[') && ip.endsWith(']') ? ip.slice(1, -1) : ip;
  // net.isIP accepts only canonical dotted-quad IPv4; ipaddr.js alone would also take `0x7f.1` or `2130706433`.
  if (isIP(unbracketed) === 0) return undefined;
  try {
    return ipaddr.parse(unbracketed);
  } catch {
    return undefined;
  }
}

function isGlobalUnicast(address: Address): boolean {
  if (address.range() !== 'unicast') return false;
  return address.kind() === 'ipv4' || address.match(GLOBAL_UNICAST_V6);
}

function embeddedIPv4(address: ipaddr.IPv6): ipaddr.IPv4 | undefined {
  const p = address.parts;
  switch (address.range()) {
    case 'ipv4Mapped': // ::ffff:a.b.c.d
    case 'rfc6145': // ::ffff:0:a.b.c.d
      return fromWords(p[6], p[7]);
    case 'rfc6052': // 64:ff9b::a.b.c.d
      return address.match(WELL_KNOWN_NAT64) ? fromWords(p[6], p[7]) : undefined;
    case '6to4': // 2002:AABB:CCDD::/48
      return fromWords(p[1], p[2]);
    default:
      return undefined;
  }
}

function fromWords(high: number | undefined, low: number | undefined): ipaddr.IPv4 {
  const h = high ?? 0;
  const l = low ?? 0;
  return new ipaddr.IPv4([h >> 8, h & 0xff, l >> 8, l & 0xff]);
}

function parseAllowedCidr(entry: string): Cidr | undefined {
  const [ip, bits, extra] = entry.split('/');
  if (ip === undefined || extra !== undefined) throw badEntry(entry);
  const address = parseAddress(ip);
  if (address === undefined) {
    if (bits !== undefined) throw badEntry(entry);
    return undefined;
  }
  const max = address.kind() === 'ipv4' ? 32 : 128;
  if (bits === undefined) return [address, max];
  const prefix = /^\d{1,3}$/.test(bits) ? Number(bits) : Number.NaN;
  if (!(prefix >= 0 && prefix <= max)) throw badEntry(entry);
  return [address, prefix];
}

function parseAllowedHostname(trimmed: string, entry: string): string {
  const host = normalizeHostname(domainToASCII(trimmed));
  const labels = host.split('.');
  // A last label of digits would be read as an IPv4 address by the URL parser, never as this name.
  const valid =
    host.length > 0 &&
    host.length <= 253 &&
    labels.every((label) => /^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?$/.test(label)) &&
    !/^\d+$/.test(labels.at(-1) ?? '');
  if (!valid) throw badEntry(entry);
  return host;
}

function normalizeHostname(hostname: string): string {
  const lower = hostname.toLowerCase();
  return lower.endsWith('.') ? lower.slice(0, -1) : lower;
}

function badEntry(entry: string): Error {
  return new Error(`Invalid allow-list entry ${JSON.stringify(entry)}: expected a CIDR, an IP address or a hostname`);
}
