import { assertFetchableUrl, RemoteFetchError, type AddressPolicy } from '@rendition/net';
import { ApiError } from '@rendition/protocol';

/**
 * A notification URL is checked like a remote source (same SSRF guard and allow-list), at intake,
 * so a bad one is a 400 now and not a silent failure later.
 */
export function checkedNotificationUrl(policy: AddressPolicy, url: string | undefined, name = 'notification_url'): string | undefined {
  if (url === undefined) return undefined;
  try {
    assertFetchableUrl(url, policy);
  } catch (error) {
    if (error instanceof RemoteFetchError) throw new ApiError(400, `Invalid ${name}: ${error.message}`, { cause: error });
    throw error;
  }
  return url;
}
