import type { FastifyInstance } from 'fastify';
import type { ApiServerRouteDependencies } from './route-dependencies.ts';

export function registerAdminInfoRoutes(_app: FastifyInstance, _deps: ApiServerRouteDependencies): void {}
