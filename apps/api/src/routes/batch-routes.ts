import type { FastifyInstance, FastifyRequest } from 'fastify';
import { describeBatch, replayNotification } from '@rendition/batches';
import type { CatalogDb } from '@rendition/catalog';
import type { JobQueues } from '@rendition/jobs';
import { ApiError, normalizeParams } from '@rendition/protocol';
import { fieldPairs } from '../admin-request.ts';
import { authenticateRequest } from '../request-auth.ts';

interface BatchPath {
  cloud: string;
  batchId: string;
  notificationId?: string;
}

/** Rendition's own extension: the state of an async batch and its webhook deliveries. */
export function registerBatchRoutes(app: FastifyInstance, deps: { db: CatalogDb; queues: JobQueues }): void {
  app.get('/v1_1/:cloud/batches/:batchId', async (request: FastifyRequest<{ Params: BatchPath }>) => {
    const { cloud, batchId } = await authorized(deps.db, request);
    return describeBatch(deps.db, cloud, batchId);
  });
  app.post('/v1_1/:cloud/batches/:batchId/notifications/:notificationId/replay', async (request: FastifyRequest<{ Params: BatchPath }>) => {
    const { cloud, batchId } = await authorized(deps.db, request);
    // A replay is queued at once: without Redis it is refused (503) before the delivery is reopened.
    deps.queues.assertAvailable();
    return replayNotification(deps, cloud, batchId, request.params.notificationId ?? '');
  });
}

async function authorized(db: CatalogDb, request: FastifyRequest<{ Params: BatchPath }>) {
  const { cloud, batchId } = request.params;
  if (!/^[0-9a-f]{64}$/.test(batchId)) throw new ApiError(404, `Resource not found - batch ${batchId}`);
  await authenticateRequest(db, request.headers.authorization, normalizeParams(fieldPairs(request.query)), cloud);
  return { cloud, batchId };
}
