import { videoFixture } from '@rendition/testing';
import { describe, expect, it } from 'vitest';
import { MediaError } from '../../src/media-error.ts';
import { probeArgs } from '../../src/video/ffprobe-args.ts';
import { runFfmpeg, runFfprobe } from '../../src/video/ffmpeg-runner.ts';
import { useTempDir } from '../media-files.ts';

const temp = useTempDir();

/** A run that takes about a minute: a real-time (-re) synthetic source into the null muxer. */
const SLOW = ['-hide_banner', '-nostdin', '-re', '-f', 'lavfi', '-i', 'testsrc2=size=64x64:rate=25:duration=60', '-f', 'null', '-'];

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('runFfmpeg', () => {
  it('kills the whole process group at the timeout and reports a timeout MediaError', async () => {
    let pid: number | undefined;
    const started = Date.now();
    const error = await runFfmpeg(SLOW, { timeoutMs: 400, onSpawn: (id) => (pid = id) }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(MediaError);
    expect(error).toMatchObject({ kind: 'timeout', message: 'Video processing took too long' });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(pid).toBeTypeOf('number');
    expect(alive(pid!)).toBe(false);
    expect(() => process.kill(-pid!, 0)).toThrow(); // no process is left in its group
  });

  it('kills the run when the signal aborts, and rejects with its reason', async () => {
    const controller = new AbortController();
    let pid: number | undefined;
    const reason = new Error('job cancelled');
    const run = runFfmpeg(SLOW, {
      timeoutMs: 60_000,
      signal: controller.signal,
      onSpawn: (id) => {
        pid = id;
        setTimeout(() => controller.abort(reason), 200);
      },
    });
    await expect(run).rejects.toBe(reason);
    expect(alive(pid!)).toBe(false);
  });

  it('does not start when the signal has already aborted', async () => {
    let spawned = false;
    await expect(runFfmpeg(SLOW, { timeoutMs: 1000, signal: AbortSignal.abort(), onSpawn: () => (spawned = true) })).rejects.toMatchObject({
      name: 'AbortError',
    });
    expect(spawned).toBe(false);
  });

  it('reports progress against the expected duration, ending at 100', async () => {
    const seen: number[] = [];
    const output = `${temp.path}/progress.mkv`;
    const args = [
      '-hide_banner',
      '-nostdin',
      '-y',
      '-f',
      'lavfi',
      '-i',
      'testsrc2=size=64x64:rate=25:duration=2',
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      output,
    ];
    await runFfmpeg(args, { timeoutMs: 20_000, onProgress: (percent) => seen.push(percent), expectedSeconds: 2 });
    expect(seen.at(-1)).toBe(100);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    expect(new Set(seen).size).toBe(seen.length);
  });

  it('says a refused input is an invalid video, keeping ffmpeg’s words on the cause only', async () => {
    const input = await videoFixture('text');
    const error = await runFfmpeg(['-hide_banner', '-i', `file:${input}`, '-f', 'null', '-'], { timeoutMs: 10_000 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(MediaError);
    expect(error).toMatchObject({ kind: 'corrupt', message: 'Invalid video file' });
    expect(String((error as Error).cause)).toMatch(/Invalid data found/);
    expect((error as Error).message).not.toContain(input);
  });

  it.each([
    ['an option ffmpeg does not know', ['-no-such-option', '1', '-f', 'lavfi', '-i', 'anullsrc', '-f', 'null', '-']],
    ['a missing input file', ['-i', 'file:/nonexistent/rendition.mp4', '-f', 'null', '-']],
    ['an unknown encoder', ['-f', 'lavfi', '-i', 'testsrc2=duration=0.1', '-c:v', 'no-such-encoder', '-f', 'null', '-']],
  ])('treats %s as our fault (a plain Error)', async (_name, args) => {
    const error = await runFfmpeg(['-hide_banner', ...args], { timeoutMs: 10_000 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(MediaError);
  });

  it('refuses a timeout that is not a positive integer', async () => {
    await expect(runFfmpeg(SLOW, { timeoutMs: 0 })).rejects.toThrow(TypeError);
  });
});

describe('runFfprobe', () => {
  it('returns the parsed JSON', async () => {
    const probe = (await runFfprobe(probeArgs(await videoFixture('mp4')), { timeoutMs: 10_000 })) as {
      streams: unknown[];
      format: { format_name: string };
    };
    expect(probe.streams).toHaveLength(2);
    expect(probe.format.format_name).toBe('mov,mp4,m4a,3gp,3g2,mj2');
  });

  it('times out like ffmpeg', async () => {
    // A real-time synthetic source: ffprobe prints its packets for ever, slowly.
    const args = ['-hide_banner', '-f', 'lavfi', '-i', 'testsrc2=size=32x32:rate=25,realtime', '-show_packets', '-print_format', 'json'];
    await expect(runFfprobe(args, { timeoutMs: 300 })).rejects.toMatchObject({ kind: 'timeout' });
  });

  it('stops a probe that prints more than it may', async () => {
    const args = ['-hide_banner', '-f', 'lavfi', '-i', 'testsrc2=size=32x32:rate=1000', '-show_packets', '-print_format', 'json'];
    await expect(runFfprobe(args, { timeoutMs: 20_000 })).rejects.toMatchObject({ kind: 'corrupt', message: 'Invalid video file' });
  });
});
