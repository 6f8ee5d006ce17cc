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
  it('compacts once at start, then collects when Buffers grew by the threshold since the last collection', () => {
    vi.useFakeTimers();
    // Read at start (baseline 500), then once per tick, and once more after each collection.
    const probe = fakeProbe([500, 600, 1499, 1500, 700, 1699, 1700, 1650, 5000]);
    const reclaimer = startBufferReclaimer({ thresholdBytes: 1000, intervalMs: 50, probe });
    expect(probe.calls).toEqual(['compact']);
    vi.advanceTimersByTime(49);
    expect(probe.calls).toEqual(['compact']);
    vi.advanceTimersByTime(1); // 600: +100
    vi.advanceTimersByTime(50); // 1499: +999
    expect(reclaimer.collections()).toBe(0);
    vi.advanceTimersByTime(50); // 1500: +1000, collected; 700 live afterwards is the new baseline
    expect(reclaimer.collections()).toBe(1);
    vi.advanceTimersByTime(50); // 1699: +999
    expect(reclaimer.collections()).toBe(1);
    vi.advanceTimersByTime(50); // 1700: +1000, collected; 1650 live afterwards
    vi.advanceTimersByTime(50); // 5000: +3350, collected
    expect(probe.calls).toEqual(['compact', 'collect', 'collect', 'collect']);
    expect(reclaimer.collections()).toBe(3);
    reclaimer.stop();
    vi.advanceTimersByTime(1000);
    expect(reclaimer.collections()).toBe(3);
  });

  it('does not collect again and again while live Buffers stay above the threshold', () => {
    vi.useFakeTimers();
    const probe = fakeProbe([50_000]);
    const reclaimer = startBufferReclaimer({ thresholdBytes: 1000, intervalMs: 50, probe });
    vi.advanceTimersByTime(1000);
    expect(reclaimer.collections()).toBe(0);
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
    // 48 MiB of Buffers, dead once this returns: under V8's own ~64 MiB trigger, so the reclaimer's
    // collection is what frees them. Watched through WeakRefs rather than the process's arrayBuffers
    // total, which other test files running in this process move at the same time.
    const watched = (() => {
      const garbage = Array.from({ length: 48 }, () => Buffer.alloc(1024 * 1024, 1));
      return [garbage[0]!, garbage[47]!].map((buffer) => new WeakRef(buffer));
    })();
    await vi.waitFor(() => expect(reclaimer.collections()).toBeGreaterThan(0), { timeout: 2000 });
    await vi.waitFor(() => expect(watched.map((ref) => ref.deref())).toEqual([undefined, undefined]), { timeout: 2000 });
    reclaimer.stop();
  });
});
