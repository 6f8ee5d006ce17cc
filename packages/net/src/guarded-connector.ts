import { lookup as dnsLookup } from 'node:dns';
import { isIP, type LookupFunction, type Socket } from 'node:net';
import { buildConnector } from 'undici';
import type { AddressPolicy } from './address-policy.ts';
import { RemoteFetchError } from './remote-fetch-error.ts';

export interface ConnectorOptions {
  /** Trusted CA certificates for TLS; undefined keeps Node's defaults. */
  ca?: string[];
  connectTimeoutMs: number;
}

/**
 * An undici connector that enforces the address policy on the address actually connected to. Checking a
 * URL's hostname before the request would leave a gap: DNS may answer differently at connect time
 * (rebinding), so the check lives in the socket's own `lookup`, and the connected socket's remote address
 * is checked once more before any byte is written.
 */
export function createGuardedConnector(policy: AddressPolicy, options: ConnectorOptions): buildConnector.connector {
  const base = { timeout: options.connectTimeoutMs, ...(options.ca === undefined ? {} : { ca: options.ca }) };
  const byName = buildConnector(base);
  const guarded = buildConnector({ ...base, lookup: guardedLookup(policy) });

  return (connectOptions, callback) => {
    const { hostname } = connectOptions;
    if (policy.isAllowedHost(hostname)) {
      byName(connectOptions, callback);
      return;
    }
    // Node skips `lookup` for literal IPs, so those are judged here, before a socket exists.
    if (isIP(hostname) !== 0 && !policy.isAllowedAddress(hostname)) {
      queueMicrotask(() => callback(refusedAddress(hostname), null));
      return;
    }
    guarded(connectOptions, (error, socket) => {
      if (error !== null) {
        callback(error, null);
        return;
      }
      const remote = (socket as Socket).remoteAddress;
      if (remote === undefined || !policy.isAllowedAddress(remote)) {
        socket.destroy();
        callback(refusedAddress(remote ?? hostname), null);
        return;
      }
      callback(null, socket);
    });
  };
}

function guardedLookup(policy: AddressPolicy): LookupFunction {
  return (hostname, lookupOptions, callback) => {
    dnsLookup(hostname, { ...lookupOptions, all: true }, (error, addresses) => {
      if (error !== null) {
        callback(error, '');
        return;
      }
      // One refused answer refuses the name: a host that mixes public and internal addresses is either
      // misconfigured or an attack, and refusing is deterministic where filtering depends on answer order.
      const refused = addresses.find((entry) => !policy.isAllowedAddress(entry.address));
      if (refused !== undefined) {
        callback(refusedAddress(refused.address), '');
        return;
      }
      const first = addresses[0];
      if (first === undefined) {
        callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), '');
      } else if (lookupOptions.all === true) {
        callback(null, addresses);
      } else {
        callback(null, first.address, first.family);
      }
    });
  };
}

function refusedAddress(address: string): RemoteFetchError {
  return new RemoteFetchError('refused_address', `address ${address} is not allowed`);
}
