import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.ts';

// TRUST_PROXY: which proxies may name the client in X-Forwarded-For (Fastify's trustProxy forms).

const CWD = '/srv/rendition';
const trustProxyOf = (value: string | undefined) => loadConfig({ TRUST_PROXY: value }, CWD).http.trustProxy;

describe('TRUST_PROXY', () => {
  it.each([
    [undefined, false],
    ['', false],
    ['false', false],
    ['no', false],
    ['0', false],
    ['true', true],
    ['TRUE', true],
    ['yes', true],
    ['1', 1],
    ['2', 2],
    ['127.0.0.1', ['127.0.0.1']],
    ['loopback', ['loopback']],
    [' 10.0.0.0/8 , fd00::/8,, linklocal,uniquelocal ', ['10.0.0.0/8', 'fd00::/8', 'linklocal', 'uniquelocal']],
    ['192.168.1.5/32,::1/128,10.0.0.0/0', ['192.168.1.5/32', '::1/128', '10.0.0.0/0']],
  ])('%j → %j', (value, want) => {
    expect(trustProxyOf(value)).toEqual(want);
  });

  it.each(['maybe', '10.0.0.0/33', '::1/129', '10.0.0.0/8/1', '10.0.0.0/', '10.0.0.0/x', '300.0.0.1', 'proxy.internal', ',', '1000'])(
    'refuses %j',
    (value) => {
      let problem: unknown;
      try {
        trustProxyOf(value);
      } catch (error) {
        problem = error;
      }
      expect(problem).toBeInstanceOf(ConfigError);
      expect((problem as ConfigError).problems).toEqual([expect.stringMatching(/^TRUST_PROXY=.*must be true, false, a hop count or a list/)]);
    },
  );
});
