import { describe, expect, it } from 'vitest';
import { adminLimitMessage } from '../src/rate-limits/install-rate-limits.ts';
import { clockWindow, headerTime, HOUR_MS, messageTime, MINUTE_MS } from '../src/rate-limits/windows.ts';

describe('rate limit windows and their times (reference wave 2 §7)', () => {
  it('cuts windows on the clock: the hour resets on the hour, the minute on the minute', () => {
    const now = Date.parse('2024-10-04T13:59:59.999Z');
    expect(new Date(clockWindow(now, HOUR_MS).resetAt).toISOString()).toBe('2024-10-04T14:00:00.000Z');
    expect(new Date(clockWindow(now, MINUTE_MS).resetAt).toISOString()).toBe('2024-10-04T14:00:00.000Z');
    const next = Date.parse('2024-10-04T14:00:00.000Z');
    expect(clockWindow(next, HOUR_MS).index).toBe(clockWindow(now, HOUR_MS).index + 1);
    expect(new Date(clockWindow(next, HOUR_MS).resetAt).toISOString()).toBe('2024-10-04T15:00:00.000Z');
  });

  it("writes Cloudinary's 420 message and the RFC 1123 Reset header", () => {
    const reset = Date.parse('2024-10-04T14:00:00Z');
    expect(adminLimitMessage(500, reset)).toBe('Rate Limit Exceeded. Limit of 500 api operations reached. Try again on 2024-10-04 14:00:00 UTC');
    expect(messageTime(reset)).toBe('2024-10-04 14:00:00');
    expect(headerTime(Date.parse('2023-07-04T19:00:00Z'))).toBe('Tue, 04 Jul 2023 19:00:00 GMT');
  });
});
