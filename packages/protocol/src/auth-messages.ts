import { fromUnixSeconds, utcSecondsText } from './dates.ts';

// Exact texts clients and their tests match on (reference §1.4, §7.3); change none of them.

export function invalidSignatureMessage(signature: string, stringToSign: string): string {
  return `Invalid Signature ${signature}. String to sign - '${stringToSign}'.`;
}

export function staleRequestMessage(timestamp: number): string {
  return `Stale request - reported time is ${utcSecondsText(fromUnixSeconds(timestamp))} which is more than 1 hour ago`;
}

export function missingParameter(name: string): string {
  return `Missing required parameter - ${name}`;
}

export function unknownApiKey(apiKey: string): string {
  return `Unknown API key ${apiKey}`;
}
