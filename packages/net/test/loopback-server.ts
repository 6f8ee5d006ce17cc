import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';

export type Handler = (request: IncomingMessage, response: ServerResponse) => void;

export interface LoopbackServer {
  port: number;
  /** `http://127.0.0.1:PORT` (or https, or `[::1]`), no trailing slash. */
  origin: string;
  /** Paths requested so far, in order: proof of whether traffic reached the server. */
  hits: string[];
  /** TCP connections accepted so far, whether or not a request followed. */
  connections(): number;
  close(): Promise<void>;
}

/** An HTTP(S) server bound to a loopback address on a free port; the sandbox forbids anything else. */
export async function startLoopbackServer(
  handler: Handler,
  options: { host?: '127.0.0.1' | '::1'; tls?: { key: string; cert: string } } = {},
): Promise<LoopbackServer> {
  const host = options.host ?? '127.0.0.1';
  const hits: string[] = [];
  const handle: Handler = (request, response) => {
    hits.push(request.url ?? '');
    handler(request, response);
  };
  const server: Server = options.tls ? createHttpsServer(options.tls, handle) : createHttpServer(handle);
  let connections = 0;
  server.on('connection', () => {
    connections++;
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  const scheme = options.tls ? 'https' : 'http';
  return {
    port,
    origin: `${scheme}://${host.includes(':') ? `[${host}]` : host}:${port}`,
    hits,
    connections: () => connections,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
