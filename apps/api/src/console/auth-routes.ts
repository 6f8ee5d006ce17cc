import type { FastifyInstance } from 'fastify';
import { checkLogin } from './login.ts';
import { renderLoginPage } from './pages.ts';
import { bodyField, endSession, refuseForeignOrigin, sessionOf, startSession } from './request-session.ts';
import type { ConsoleServices } from './services.ts';

export const LOGIN_PATH = '/console/login';
export const HOME_PATH = '/console/moderation';

/** Sign in with a cloud's API key and secret; sign out. */
export function registerAuthRoutes(scope: FastifyInstance, services: ConsoleServices): void {
  scope.get('/console', async (_request, reply) => reply.redirect(HOME_PATH, 303));

  scope.get(LOGIN_PATH, async (request, reply) => {
    if (await sessionOf(services, request)) return reply.redirect(HOME_PATH, 303);
    return reply.type('text/html; charset=utf-8').send(renderLoginPage());
  });

  scope.post(LOGIN_PATH, async (request, reply) => {
    // Without this, another site could sign a visitor in to the attacker's cloud (login CSRF).
    refuseForeignOrigin(request);
    const apiKey = bodyField(request.body, 'api_key')?.trim() ?? '';
    const credentials = await checkLogin(services.findApiKey, apiKey, bodyField(request.body, 'api_secret') ?? '');
    if (!credentials) {
      return reply
        .code(401)
        .type('text/html; charset=utf-8')
        .send(renderLoginPage({ error: 'Unknown API key or wrong secret.', apiKey }));
    }
    startSession(services, request, reply, credentials);
    return reply.redirect(HOME_PATH, 303);
  });

  scope.post('/console/logout', async (request, reply) => {
    refuseForeignOrigin(request);
    endSession(request, reply);
    return reply.redirect(LOGIN_PATH, 303);
  });
}
