import { createHash, createHmac } from 'node:crypto';
import { destroyAssetByDeleteToken, recordDeleteToken, type CatalogDb } from '@rendition/catalog';
import { ApiError, missingParameter, readString, type RawParams } from '@rendition/protocol';
import { deleteAssetBlobs, type ManagementDependencies } from './management-dependencies.ts';

/** A delete token deletes its asset for 10 minutes after the upload, as Cloudinary's do. */
export const DELETE_TOKEN_TTL_SECONDS = 600;

export const INVALID_DELETE_TOKEN = 'Invalid delete token';
export const EXPIRED_DELETE_TOKEN = `Delete token expired: a delete token is valid for ${DELETE_TOKEN_TTL_SECONDS / 60} minutes after the upload`;

const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex');

/**
 * Issues the `delete_token` of an upload. The token is an HMAC of the ingest job's id under the
 * uploading key's secret: unguessable without the secret, and the same on every retry of the job,
 * so a retried job neither loses nor multiplies tokens. Only its SHA-256 is stored.
 */
export async function issueDeleteToken(
  db: CatalogDb,
  input: { cloudName: string; assetId: string; apiSecret: string; jobId: string },
): Promise<string> {
  const token = createHmac('sha256', input.apiSecret).update(`delete_token:${input.cloudName}:${input.jobId}`).digest('hex');
  await recordDeleteToken(db, {
    tokenHash: hashToken(token),
    assetId: input.assetId,
    cloudName: input.cloudName,
    ttlSeconds: DELETE_TOKEN_TTL_SECONDS,
  });
  return token;
}

/**
 * `delete_by_token`: unsigned, the token is the credential. Destroys the asset like `destroy`; a token
 * unknown, already spent, of another cloud or whose asset is gone is a 400, and so is an expired one.
 */
export async function deleteByTokenCommand(deps: ManagementDependencies, input: { cloudName: string; params: RawParams }): Promise<{ result: string }> {
  const token = readString(input.params, 'token');
  if (!token) throw new ApiError(400, missingParameter('token'));
  if (!/^[0-9a-f]{64}$/.test(token)) throw new ApiError(400, INVALID_DELETE_TOKEN);
  const outcome = await destroyAssetByDeleteToken(deps.db, { cloudName: input.cloudName, tokenHash: hashToken(token) });
  switch (outcome.kind) {
    case 'unknown':
      throw new ApiError(400, INVALID_DELETE_TOKEN);
    case 'expired':
      throw new ApiError(400, EXPIRED_DELETE_TOKEN);
    case 'destroyed':
      await deleteAssetBlobs(deps.store, outcome.destroyed);
      return { result: 'ok' };
  }
}
