import type { FastifyInstance } from 'fastify';
import type { AdminModerationDependencies } from '@rendition/admin';

/** The moderation review page at `/console/moderation` (docs/moderation.md, "Review page"). */
export function registerConsoleRoutes(_app: FastifyInstance, _deps: AdminModerationDependencies): void {}
