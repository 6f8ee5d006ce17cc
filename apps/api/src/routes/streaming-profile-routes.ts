import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { CatalogDb } from '@rendition/catalog';
import {
  createStreamingProfile,
  describeStreamingProfile,
  listAllStreamingProfiles,
  removeStreamingProfile,
  updateStreamingProfile,
} from '@rendition/admin';
import { authenticateAdmin } from '../admin-request.ts';

type CloudPath = { Params: { cloud: string } };
type ProfilePath = { Params: { cloud: string; name?: string; encoded?: string } };

/** The profile's name from either path form: `…/streaming_profiles/<name>`, or the SDK's `…/streaming_profiles%2F<name>` (decoded: `/<name>`). */
function profileName(params: ProfilePath['Params']): string {
  return params.name ?? params.encoded?.slice(1) ?? '';
}

/**
 * The Admin API's streaming profiles, Basic auth: `api.list_streaming_profiles`, `get_streaming_profile`,
 * `create_streaming_profile`, `update_streaming_profile`, `delete_streaming_profile`.
 */
export function registerStreamingProfileRoutes(app: FastifyInstance, deps: { db: CatalogDb }): void {
  const list = '/v1_1/:cloud/streaming_profiles';
  // The Node SDK sends `streaming_profiles/<name>` as one encoded path segment (`streaming_profiles%2F<name>`).
  const ones = ['/v1_1/:cloud/streaming_profiles/:name', '/v1_1/:cloud/streaming_profiles:encoded(^/.+)'];
  app.get(list, async (request: FastifyRequest<CloudPath>) => {
    const { cloud } = await authenticateAdmin(deps.db, request);
    return listAllStreamingProfiles(deps.db, cloud);
  });
  app.post(list, async (request: FastifyRequest<CloudPath>) => {
    const { cloud, params } = await authenticateAdmin(deps.db, request);
    return createStreamingProfile(deps.db, cloud, params);
  });
  for (const one of ones) {
    app.get(one, async (request: FastifyRequest<ProfilePath>) => {
      const { cloud } = await authenticateAdmin(deps.db, request);
      return describeStreamingProfile(deps.db, cloud, profileName(request.params));
    });
    app.put(one, async (request: FastifyRequest<ProfilePath>) => {
      const { cloud, params } = await authenticateAdmin(deps.db, request);
      return updateStreamingProfile(deps.db, cloud, profileName(request.params), params);
    });
    app.delete(one, async (request: FastifyRequest<ProfilePath>) => {
      const { cloud } = await authenticateAdmin(deps.db, request);
      return removeStreamingProfile(deps.db, cloud, profileName(request.params));
    });
  }
}
