import type { FastifyInstance } from 'fastify';
import { pingCatalog, type CatalogDb } from '@rendition/catalog';
import type { JobQueues } from '@rendition/jobs';

/** Liveness says the process answers; readiness says its dependencies do too. */
export function registerHealthRoutes(app: FastifyInstance, deps: { db: CatalogDb; queues: JobQueues }): void {
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const [database, redis] = await Promise.all([pingCatalog(deps.db), deps.queues.ping()]);
    const ready = database && redis;
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', database, redis });
  });
}
