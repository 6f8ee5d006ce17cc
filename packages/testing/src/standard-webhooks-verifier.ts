import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * A Standard Webhooks verifier written from the specification (https://www.standardwebhooks.com), kept
 * apart from src/signing.ts so the tests do not check the signer against itself: strip `whsec_`,
 * base64-decode the key, HMAC-SHA256 `${id}.${timestamp}.${body}`, accept if any space-separated `v1,`
 * entry matches, refuse timestamps more than five minutes off.
 */
export function verifyStandardWebhook(
  body: string,
  headers: Record<string, string | string[] | undefined>,
  secret: string,
  nowSeconds: number = Math.floor(Date.now() / 1000),
): boolean {
  const id = single(headers['webhook-id']);
  const timestamp = single(headers['webhook-timestamp']);
  const signatures = single(headers['webhook-signature']);
  if (id === undefined || timestamp === undefined || signatures === undefined) return false;
  if (!/^\d+$/.test(timestamp) || Math.abs(nowSeconds - Number(timestamp)) > 5 * 60) return false;
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest();
  return signatures.split(' ').some((entry) => {
    const [version, encoded] = entry.split(',', 2);
    if (version !== 'v1' || encoded === undefined) return false;
    const received = Buffer.from(encoded, 'base64');
    return received.length === expected.length && timingSafeEqual(received, expected);
  });
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
