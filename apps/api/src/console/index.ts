import type { FastifyInstance } from 'fastify';
import type { AdminModerationDependencies } from '@rendition/admin';
import type { DeliveryDependencies } from '../routes/delivery-route.ts';
import { registerConsoleAssets } from './assets.ts';
import { registerAuthRoutes } from './auth-routes.ts';
import { guardConsoleScope } from './guard.ts';
import { registerModerationRoutes } from './moderation-routes.ts';
import { consoleServices, type ConsoleServices } from './services.ts';

/** The moderation review page at `/console/moderation` (docs/moderation.md, "Review page"). */
export function registerConsoleRoutes(app: FastifyInstance, deps: AdminModerationDependencies & DeliveryDependencies): void {
  registerConsoleRoutesWith(app, consoleServices(deps));
}

/**
 * The console in a scope of its own, so that its headers and body limits apply to its routes and to
 * nothing else of the API.
 */
export function registerConsoleRoutesWith(app: FastifyInstance, services: ConsoleServices): void {
  void app.register(async (scope) => {
    guardConsoleScope(scope);
    registerConsoleAssets(scope);
    registerAuthRoutes(scope, services);
    registerModerationRoutes(scope, services);
  });
}
