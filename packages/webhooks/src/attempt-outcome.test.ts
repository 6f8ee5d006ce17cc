import { afterEach, describe, expect, it } from 'vitest';
import { classifyResponse, parseRetryAfter } from './attempt-outcome.ts';

const now = new Date('2015-10-21T07:28:00.000Z');

describe('classifyResponse', () => {
  it.each([
    [200, {}, { kind: 'delivered' }],
    [201, {}, { kind: 'delivered' }],
    [204, {}, { kind: 'delivered' }],
    [299, {}, { kind: 'delivered' }],
    [410, {}, { kind: 'stop', reason: 'gone' }],
    [410, { 'retry-after': '5' }, { kind: 'stop', reason: 'gone' }],
    [301, { location: 'https://elsewhere.example/' }, { kind: 'retry' }],
    [302, {}, { kind: 'retry' }],
    [307, {}, { kind: 'retry' }],
    [308, {}, { kind: 'retry' }],
    [304, {}, { kind: 'retry' }],
    [400, {}, { kind: 'retry' }],
    [401, {}, { kind: 'retry' }],
    [404, {}, { kind: 'retry' }],
    [500, {}, { kind: 'retry' }],
    [502, {}, { kind: 'retry' }],
    [500, { 'retry-after': '30' }, { kind: 'retry' }],
    [429, {}, { kind: 'retry' }],
    [429, { 'retry-after': '7' }, { kind: 'retry', retryAfterMs: 7_000 }],
    [429, { 'Retry-After': '7' }, { kind: 'retry', retryAfterMs: 7_000 }],
    [429, { 'content-type': 'text/plain', 'Retry-After': '9' }, { kind: 'retry', retryAfterMs: 9_000 }],
    [503, { 'retry-after': 'Wed, 21 Oct 2015 07:30:00 GMT' }, { kind: 'retry', retryAfterMs: 120_000 }],
    [503, { 'retry-after': 'later' }, { kind: 'retry' }],
    [199, {}, { kind: 'retry' }],
    [600, {}, { kind: 'retry' }],
  ])('HTTP %i %o → %o', (status, headers, expected) => {
    expect(classifyResponse(status, headers, now)).toStrictEqual(expected);
  });
});

describe('parseRetryAfter', () => {
  it.each([
    ['7', 7_000],
    [' 120 ', 120_000],
    ['0', 0],
    ['Wed, 21 Oct 2015 07:28:10 GMT', 10_000],
    ['Wednesday, 21-Oct-15 07:29:00 GMT', 60_000],
    ['Wed Oct 21 07:28:30 2015', 30_000],
    ['Tue, 20 Oct 2015 07:28:00 GMT', 0],
    ['7.5', undefined],
    ['-1', undefined],
    ['2024', 2_024_000],
    ['2015-10-21T07:30:00Z', undefined],
    ['soon', undefined],
    ['Wed, not a date', undefined],
    ['', undefined],
  ])('%j → %o', (value, expected) => {
    expect(parseRetryAfter(value, now)).toBe(expected);
  });
});

describe('parseRetryAfter away from UTC', () => {
  const zone = process.env.TZ;
  afterEach(() => {
    if (zone === undefined) delete process.env.TZ;
    else process.env.TZ = zone;
  });

  // asctime carries no zone and means GMT (RFC 9110): read in New York it must not move by five hours.
  it.each([
    ['Wed Oct 21 07:28:30 2015', 30_000],
    ['Wed Oct 21 07:29:00 2015', 60_000],
    ['Wed Oct  7 07:28:00 2015', 0],
    ['Thu Oct 22 07:28:00 2015', 86_400_000],
    ['Wed, 21 Oct 2015 07:28:10 GMT', 10_000],
    ['in Wed, 21 Oct 2015 07:28:10 GMT', undefined],
  ])('%j → %o', (value, expected) => {
    process.env.TZ = 'America/New_York';
    expect(new Date('2015-10-21T12:00:00').getTimezoneOffset()).toBe(240);
    expect(parseRetryAfter(value, now)).toBe(expected);
  });
});
