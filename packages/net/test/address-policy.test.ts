import { describe, expect, it } from 'vitest';
import { createAddressPolicy } from '../src/address-policy.ts';

describe('createAddressPolicy with an empty allow-list', () => {
  const policy = createAddressPolicy([]);

  it.each([
    ['8.8.8.8', 'public IPv4'],
    ['1.1.1.1', 'public IPv4'],
    ['93.184.215.14', 'public IPv4'],
    ['172.15.255.255', 'just below 172.16/12'],
    ['172.32.0.1', 'just above 172.16/12'],
    ['100.63.255.255', 'just below CGNAT'],
    ['100.128.0.1', 'just above CGNAT'],
    ['198.17.255.255', 'just below benchmarking'],
    ['223.255.255.254', 'just below multicast'],
    ['2606:4700:4700::1111', 'public IPv6'],
    ['2001:4860:4860::8888', 'public IPv6'],
    ['2a00:1450:4001:80e::200e', 'public IPv6'],
    ['::ffff:8.8.8.8', 'IPv4-mapped public'],
    ['64:ff9b::808:808', 'NAT64 of a public IPv4'],
    ['2002:808:808::1', '6to4 of a public IPv4'],
  ])('allows %s (%s)', (ip) => {
    expect(policy.isAllowedAddress(ip)).toBe(true);
  });

  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['10.0.0.1', 'private'],
    ['10.255.255.255', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'link-local cloud metadata'],
    ['169.254.0.1', 'link-local'],
    ['100.64.0.1', 'CGNAT'],
    ['100.127.255.255', 'CGNAT'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'this network'],
    ['255.255.255.255', 'broadcast'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['240.0.0.1', 'reserved'],
    ['192.0.0.1', 'IETF protocol assignments'],
    ['192.0.2.1', 'TEST-NET-1'],
    ['198.51.100.1', 'TEST-NET-2'],
    ['203.0.113.1', 'TEST-NET-3'],
    ['198.18.0.1', 'benchmarking'],
    ['198.19.255.255', 'benchmarking'],
    ['192.88.99.1', '6to4 relay anycast'],
    ['::1', 'IPv6 loopback'],
    ['::', 'IPv6 unspecified'],
    ['fe80::1', 'IPv6 link-local'],
    ['fe80::1%eth0', 'IPv6 link-local with zone'],
    ['febf::1', 'IPv6 link-local upper end'],
    ['fc00::1', 'unique local'],
    ['fd12:3456:789a::1', 'unique local'],
    ['fec0::1', 'deprecated site-local'],
    ['ff02::1', 'IPv6 multicast'],
    ['ff05::2', 'IPv6 multicast'],
    ['::ffff:127.0.0.1', 'IPv4-mapped loopback'],
    ['::ffff:7f00:1', 'IPv4-mapped loopback, hex form'],
    ['::ffff:10.0.0.1', 'IPv4-mapped private'],
    ['::ffff:169.254.169.254', 'IPv4-mapped metadata'],
    ['::ffff:0:127.0.0.1', 'IPv4-translated loopback'],
    ['::127.0.0.1', 'IPv4-compatible (deprecated)'],
    ['::2', 'outside 2000::/3'],
    ['100::1', 'discard prefix'],
    ['64:ff9b::7f00:1', 'NAT64 of loopback'],
    ['64:ff9b::a00:1', 'NAT64 of private'],
    ['64:ff9b::a9fe:a9fe', 'NAT64 of metadata'],
    ['64:ff9b:1::808:808', 'local-use NAT64 prefix'],
    ['2002:7f00:1::1', '6to4 of loopback'],
    ['2002:a00:1::1', '6to4 of private'],
    ['2002:c0a8:101::1', '6to4 of 192.168.1.1'],
    ['2001::1', 'Teredo'],
    ['2001:2::1', 'IPv6 benchmarking'],
    ['2001:db8::1', 'IPv6 documentation'],
    ['3fff::1', 'IPv6 documentation (RFC 9637)'],
    ['5f00::1', 'segment routing'],
  ])('refuses %s (%s)', (ip) => {
    expect(policy.isAllowedAddress(ip)).toBe(false);
  });

  it.each(['', 'localhost', 'example.com', '0x7f.1', '2130706433', '127.1', '1.2.3.4.5', '256.1.1.1', '::ffff::1', '8.8.8.8/32'])(
    'refuses %j, which is not a canonical IP address',
    (ip) => {
      expect(policy.isAllowedAddress(ip)).toBe(false);
    },
  );

  it('accepts bracketed IPv6 as URLs spell it', () => {
    expect(policy.isAllowedAddress('[::1]')).toBe(false);
    expect(policy.isAllowedAddress('[2606:4700:4700::1111]')).toBe(true);
  });

  it('allows no hostname', () => {
    expect(policy.isAllowedHost('localhost')).toBe(false);
    expect(policy.isAllowedHost('example.com')).toBe(false);
  });
});

describe('createAddressPolicy allow-list', () => {
  it.each([
    [['10.0.0.0/8'], '10.1.2.3', true],
    [['10.0.0.0/8'], '::ffff:10.1.2.3', true],
    [['10.0.0.0/8'], '64:ff9b::a01:203', true],
    [['10.0.0.0/8'], '192.168.0.1', false],
    [['10.0.0.0/8'], '11.0.0.1', true],
    [['127.0.0.1'], '127.0.0.1', true],
    [['127.0.0.1'], '127.0.0.2', false],
    [['127.0.0.1/32'], '::ffff:127.0.0.1', true],
    [['127.0.0.1/32'], '::1', false],
    [['::1/128'], '::1', true],
    [['::1/128'], '127.0.0.1', false],
    [['::1'], '::1', true],
    [['fd00::/8'], 'fd00::1', true],
    [['fd00::/8'], 'fc00::1', false],
    [['::ffff:127.0.0.1/128'], '::ffff:127.0.0.1', true],
    [['169.254.169.254/32'], '169.254.169.254', true],
    [['172.16.0.0/12', '192.168.0.0/16'], '192.168.44.5', true],
    [['172.16.0.0/12', '192.168.0.0/16'], '172.31.0.1', true],
    [[' 10.0.0.0/8 '], '10.0.0.1', true],
    [['0.0.0.0/0'], '127.0.0.1', true],
    [['localhost'], '127.0.0.1', false],
  ] as const)('allow %j: %s → %s', (allow, ip, expected) => {
    expect(createAddressPolicy(allow).isAllowedAddress(ip)).toBe(expected);
  });

  it.each([
    ['files.example.com', true],
    ['FILES.Example.COM', true],
    ['files.example.com.', true],
    ['sub.files.example.com', false],
    ['example.com', false],
    ['xn--bcher-kva.example', true],
    ['localhost', true],
    ['127.0.0.1', false],
  ])('hostnames: %s → %s', (hostname, expected) => {
    const policy = createAddressPolicy(['Files.Example.com', 'bücher.example', 'localhost', '127.0.0.1/32']);
    expect(policy.isAllowedHost(hostname)).toBe(expected);
  });

  it.each([
    '10.0.0.0/33',
    '::1/129',
    '10.0.0.0/8/8',
    '10.0.0.0/',
    '10.0.0.0/-1',
    '10.0.0.0/x',
    'host/8',
    '',
    'exa mple.com',
    '*.example.com',
    '1.2.3',
    'http://example.com',
    'example.com:8080',
    '-bad.example',
  ])('rejects the entry %j at construction', (entry) => {
    expect(() => createAddressPolicy([entry])).toThrow(/Invalid allow-list entry/);
  });
});
