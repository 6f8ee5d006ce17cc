import { afterEach, describe, expect, it, vi } from 'vitest';
import { startBufferReclaimer, type ReclaimerProbe } from '../src/buffer-reclaimer.ts';

function fakeProbe(bytes: number[]): ReclaimerProbe & { calls: string[] } {
  const calls: string[] = [];
  let index = 0;
  return {
    calls,
    arrayBufferBytes: () => bytes[Math.min(index++, bytes.length - 1)] ?? 0,
    collect: () => void calls.push('collect'),
    compact: () => void calls.push('compact'),
  };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('startBufferReclaimer', () => {
  it('compacts once at start, then collects on each tick at or over the threshold, and never under it', () => {
    vi.useFakeTimers();
    const probe = fakeProbe([100, 999, 1000, 1001, 0]);
    const reclaimer = startBufferReclaimer({ thresholdBytes: 1000, intervalMs: 50, probe });
    expect(probe.calls).toEqual(['compact']);
    vi.advanceTimersByTime(49);
    expect(probe.calls).toEqual(['compact']);
    vi.advanceTimersByTime(1); // 100: under
    vi.advanceTimersByTime(50); // 999: under
    expect(reclaimer.collections()).toBe(0);
    vi.advanceTimersByTime(50); // 1000: at
    vi.advanceTimersByTime(50); // 1001: over
    vi.advanceTimersByTime(50); // 0
    expect(probe.calls).toEqual(['compact', 'collect', 'collect']);
    expect(reclaimer.collections()).toBe(2);
    reclaimer.stop();
    vi.advanceTimersByTime(1000);
    expect(reclaimer.collections()).toBe(2);
  });

  it('does nothing at all with a threshold of 0', () => {
    vi.useFakeTimers();
    const probe = fakeProbe([10 ** 12]);
    const reclaimer = startBufferReclaimer({ thresholdBytes: 0, intervalMs: 50, probe });
    vi.advanceTimersByTime(1000);
    expect(probe.calls).toEqual([]);
    expect(reclaimer.collections()).toBe(0);
  });

  it("frees this process's garbage Buffers with its own collector", async () => {
    const reclaimer = startBufferReclaimer({ thresholdBytes: 1, intervalMs: 5 });
    // 48 MiB of Buffers, dead once this returns: under V8's own ~64 MiB trigger, so only the reclaimer frees them.
    const held = (() => {
      const garbage = Array.from({ length: 48 }, () => Buffer.alloc(1024 * 1024, 1));
      return process.memoryUsage().arrayBuffers + garbage.length * 0;
    })();
    await vi.waitFor(() => expect(reclaimer.collections()).toBeGreaterThan(0), { timeout: 2000 });
    reclaimer.stop();
    expect(process.memoryUsage().arrayBuffers).toBeLessThan(held - 40 * 1024 * 1024);
  });
});
