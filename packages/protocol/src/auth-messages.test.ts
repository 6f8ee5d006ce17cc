import { describe, expect, it } from 'vitest';
import { ApiError } from './api-error.ts';
import { invalidSignatureMessage, missingParameter, staleRequestMessage, unknownApiKey } from './auth-messages.ts';
import { isoSeconds, utcSecondsText } from './dates.ts';
import { checkRequestTimestamp } from './request-timestamp.ts';

describe('exact message texts (reference §1.4, §7.3)', () => {
  it.each([
    [invalidSignatureMessage('abc', 'public_id=x&timestamp=1'), "Invalid Signature abc. String to sign - 'public_id=x&timestamp=1'."],
    // The reference's field example: 2015-06-20 12:59:41 UTC.
    [staleRequestMessage(1434805181), 'Stale request - reported time is 2015-06-20 12:59:41 +0000 which is more than 1 hour ago'],
    [missingParameter('file'), 'Missing required parameter - file'],
    [unknownApiKey('123'), 'Unknown API key 123'],
  ])('%s', (actual, expected) => {
    expect(actual).toBe(expected);
  });
});

describe('dates', () => {
  it('drops milliseconds', () => {
    expect(isoSeconds(new Date('2021-04-15T16:45:46.789Z'))).toBe('2021-04-15T16:45:46Z');
    expect(utcSecondsText(new Date('2021-04-05T06:07:08.900Z'))).toBe('2021-04-05 06:07:08 +0000');
  });
});

describe('checkRequestTimestamp', () => {
  const now = 1_700_000_000;

  it.each([
    [String(now), now],
    [String(now - 3600), now - 3600],
    [String(now + 3600), now + 3600],
    [' 1700000000 ', now],
  ])('accepts %j', (value, expected) => {
    expect(checkRequestTimestamp(value, now)).toBe(expected);
  });

  it.each([
    [undefined, 'Missing required parameter - timestamp'],
    ['', 'Missing required parameter - timestamp'],
    ['abc', "Invalid value 'abc' for parameter timestamp"],
    ['1.5', "Invalid value '1.5' for parameter timestamp"],
    [String(now - 3601), `Stale request - reported time is ${utcSecondsText(new Date((now - 3601) * 1000))} which is more than 1 hour ago`],
    [String(now + 3601), 'Invalid timestamp'],
  ])('refuses %j with 400', (value, message) => {
    let caught: unknown;
    try {
      checkRequestTimestamp(value, now);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ApiError);
    expect((caught as ApiError).status).toBe(400);
    expect((caught as ApiError).message).toContain(message);
  });
});
