import { decideModeration, listResourcesByModeration, type AdminCaller, type AdminModerationDependencies } from '@rendition/admin';
import { findApiKey } from '@rendition/catalog';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { RawParams } from '@rendition/protocol';
import { deliverUrlPath, type DeliveryDependencies } from '../routes/delivery-route.ts';
import type { FindApiKey } from './session.ts';

type Json = Record<string, unknown>;

/** What the console's routes need from the rest of Rendition; tests give fakes. */
export interface ConsoleServices {
  findApiKey: FindApiKey;
  listByModeration(caller: AdminCaller, path: { resourceType: string; kind: string; status: string }, params: RawParams): Promise<Json>;
  decide(caller: AdminCaller & { apiKey: string }, path: { resourceType: string; type: string; publicId: string }, params: RawParams): Promise<Json>;
  /** Serves a thumbnail (a delivery path of the session's cloud), rejected assets included. */
  preview(cloudName: string, request: FastifyRequest, reply: FastifyReply, urlPath: string): Promise<unknown>;
  /** Seconds since the epoch. */
  now(): number;
}

export function consoleServices(deps: AdminModerationDependencies & DeliveryDependencies): ConsoleServices {
  return {
    findApiKey: (apiKey) => findApiKey(deps.db, apiKey),
    listByModeration: (caller, path, params) => listResourcesByModeration(deps, caller, path, params),
    decide: (caller, path, params) => decideModeration(deps, caller, path, params),
    preview: (cloudName, request, reply, urlPath) => deliverUrlPath(deps, request, reply, urlPath, { showRejected: true, cloudName }),
    now: () => Math.floor(Date.now() / 1000),
  };
}
