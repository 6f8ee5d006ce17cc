import { ApiError } from './api-error.ts';
import { missingParameter, staleRequestMessage } from './auth-messages.ts';
import { invalidParameter, quoteValue } from './request-params.ts';

/** Signed requests are valid for one hour after their `timestamp` (reference §1.4). */
export const SIGNED_REQUEST_MAX_AGE_SECONDS = 3600;

/**
 * Validates the `timestamp` of a signed request and returns it. The status of Cloudinary's stale
 * refusal is not confirmed (reference §9.2); 400 is the likeliest. Future timestamps are not
 * documented: a modest clock skew is allowed, a far-future one is refused because it would stretch
 * the signature's one-hour lifetime at will.
 */
export function checkRequestTimestamp(
  value: string | undefined,
  nowSeconds: number,
  options: { maxAgeSeconds?: number; maxFutureSkewSeconds?: number } = {},
): number {
  if (value === undefined || value === '') throw new ApiError(400, missingParameter('timestamp'));
  if (!/^\d{1,12}$/.test(value.trim())) throw invalidParameter('timestamp', value, 'expected unix seconds');
  const timestamp = Number(value.trim());
  const maxAge = options.maxAgeSeconds ?? SIGNED_REQUEST_MAX_AGE_SECONDS;
  const maxSkew = options.maxFutureSkewSeconds ?? SIGNED_REQUEST_MAX_AGE_SECONDS;
  if (nowSeconds - timestamp > maxAge) throw new ApiError(400, staleRequestMessage(timestamp));
  if (timestamp - nowSeconds > maxSkew) {
    throw new ApiError(400, `Invalid timestamp ${quoteValue(value)}: more than ${maxSkew} seconds in the future`);
  }
  return timestamp;
}
