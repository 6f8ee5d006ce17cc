import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';

/** The console's only script and stylesheet, files beside this module, read once when the routes are registered. */
const ASSETS: ReadonlyArray<{ name: string; contentType: string }> = [
  { name: 'console.js', contentType: 'text/javascript; charset=utf-8' },
  { name: 'console.css', contentType: 'text/css; charset=utf-8' },
];

export function registerConsoleAssets(scope: FastifyInstance): void {
  for (const { name, contentType } of ASSETS) {
    const body = readFileSync(new URL(`./assets/${name}`, import.meta.url));
    scope.get(`/console/assets/${name}`, async (_request, reply) => reply.type(contentType).send(body));
  }
}
