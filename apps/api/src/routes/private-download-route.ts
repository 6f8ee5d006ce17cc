import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { cloudExists } from '@rendition/catalog';
import { ApiError, missingParameter, normalizeParams, parseDeliveryType, parseResourceType, readBoolean, readString } from '@rendition/protocol';
import { fieldPairs } from '../admin-request.ts';
import { authenticateSignedParams, authenticateBasic } from '../request-auth.ts';
import { deliverPath, type DeliveryDependencies } from './delivery-route.ts';

/**
 * `GET /v1_1/:cloud/:resource_type/download` — the SDK's `utils.private_download_url(public_id, format,
 * {type, attachment, expires_at})`: a signed query that delivers any asset of the cloud, `private` and
 * `authenticated` originals included. Without `expires_at` the link lives as long as a signed request
 * (its timestamp's hour); with it, until then. A `format` other than the stored one is a derivative in
 * that format, made and cached as delivery makes it; `attachment=true` answers it as a download.
 */
export function registerPrivateDownloadRoute(app: FastifyInstance, deps: DeliveryDependencies): void {
  app.get(
    '/v1_1/:cloud/:resourceType/download',
    async (request: FastifyRequest<{ Params: { cloud: string; resourceType: string } }>, reply: FastifyReply) => {
      const { cloud } = request.params;
      if (!(await cloudExists(deps.db, cloud))) throw new ApiError(401, `Invalid cloud_name ${cloud}`);
      const resourceType = parseResourceType(request.params.resourceType);
      const params = normalizeParams(fieldPairs(request.query));
      const expiresAt = readString(params, 'expires_at');
      const now = Math.floor(Date.now() / 1000);
      const authorization = request.headers.authorization;
      if (authorization?.toLowerCase().startsWith('basic ')) await authenticateBasic(deps.db, authorization, cloud);
      else await authenticateSignedParams(deps.db, params, cloud, now, { checkFreshness: expiresAt === undefined });
      if (expiresAt !== undefined) {
        const expiry = Number(expiresAt);
        if (!/^\d{1,12}$/.test(expiresAt.trim()) || !Number.isSafeInteger(expiry)) throw new ApiError(400, `Invalid expires_at ${expiresAt}`);
        if (expiry < now) throw new ApiError(401, `This download link expired at ${new Date(expiry * 1000).toISOString()}`);
      }
      const publicId = readString(params, 'public_id');
      if (!publicId) throw new ApiError(400, missingParameter('public_id'));
      const type = parseDeliveryType(readString(params, 'type') || 'upload');
      const format = readString(params, 'format')?.trim().toLowerCase();
      if (format !== undefined && format !== '' && !/^[a-z0-9]{1,10}$/.test(format)) throw new ApiError(400, `Invalid format ${format}`);
      const attachment = readBoolean(params, 'attachment', false);
      return deliverPath(
        deps,
        request,
        reply,
        {
          cloudName: cloud,
          resourceType,
          type,
          ...(attachment ? { transformation: 'fl_attachment' } : {}),
          publicIdWithExt: resourceType === 'raw' || !format ? publicId : `${publicId}.${format}`,
          signedPayload: '',
        },
        true,
        { authorized: true },
      );
    },
  );
}
