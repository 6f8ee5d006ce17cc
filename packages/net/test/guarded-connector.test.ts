import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAddressPolicy } from '../src/address-policy.ts';
import { createGuardedConnector } from '../src/guarded-connector.ts';
import { type LoopbackServer, startLoopbackServer } from './loopback-server.ts';

// The fetcher refuses literal IPs before undici sees them; these tests hold the connector to the same
// rules on its own, since it is the layer that also covers names and redirect hops.
describe('createGuardedConnector', () => {
  let server: LoopbackServer;
  beforeAll(async () => {
    server = await startLoopbackServer((_request, response) => response.end());
  });
  afterAll(() => server.close());

  function connect(allow: string[], hostname: string): Promise<Socket> {
    const connector = createGuardedConnector(createAddressPolicy(allow), { connectTimeoutMs: 1_000 });
    return new Promise((resolve, reject) => {
      connector({ hostname, host: `${hostname}:${server.port}`, protocol: 'http:', port: String(server.port) }, (error, socket) => {
        if (error !== null) reject(error);
        else resolve(socket as Socket);
      });
    });
  }

  it.each([
    ['a refused literal IP', '127.0.0.1'],
    ['a name resolving to a refused address', 'localhost'],
  ])('refuses %s before the TCP handshake', async (_case, hostname) => {
    const before = server.connections();
    await expect(connect([], hostname)).rejects.toMatchObject({ code: 'refused_address', message: 'address 127.0.0.1 is not allowed' });
    expect(server.connections()).toBe(before);
  });

  it.each([
    ['an allow-listed address', ['127.0.0.0/8'], '127.0.0.1'],
    ['a name resolving to an allow-listed address', ['127.0.0.1'], 'localhost'],
    ['a name allow-listed as such', ['localhost'], 'localhost'],
  ])('connects to %s', async (_case, allow, hostname) => {
    const socket = await connect(allow, hostname);
    expect(socket.remoteAddress).toBe('127.0.0.1');
    socket.destroy();
  });
});
