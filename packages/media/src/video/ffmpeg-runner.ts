import type { ChildProcess, StdioOptions } from 'node:child_process';
import ffmpeg from 'fluent-ffmpeg';
import { MediaError } from '../media-error.ts';

// The adapter: the one file that imports fluent-ffmpeg. Everything else builds argument arrays
// (ffmpeg-args.ts, ffprobe-args.ts) and hands them here.
//
// Why fluent-ffmpeg's private `_spawnFfmpeg`: its public `run()` builds the arguments itself and spawns
// without `detached`, so a timeout could only kill ffmpeg, not its process group, and its `ffprobe()`
// parses a text format and spawns the same way. `_spawnFfmpeg(args, options, processCB, endCB)` takes a
// ready argument list, finds the binary (FFMPEG_PATH / FFPROBE_PATH, then PATH), forwards `options` to
// child_process.spawn (so `detached: true` puts the tool in a process group of its own), keeps the last
// lines of stdout and stderr in ring buffers and reports the end once the process has exited and its
// pipes are closed. ffprobe goes through the same function with the binary lookup pointed at ffprobe.
// fluent-ffmpeg has shipped this function unchanged since 2014 (2.x); the tests run it for real.
//
// Every run has a deadline; at the deadline, or when the caller's AbortSignal fires (a cancelled job, a
// shutting-down worker), the whole group is SIGKILLed and the promise settles once the process is gone.
// Failures: the deadline → MediaError('timeout'); a refused or unreadable input → MediaError('corrupt',
// 'Invalid video file'); our own faults (no binary, a full disk, an option ffmpeg rejects) → Error. The
// tool's stderr tail is kept on `cause` for the logs, never in a client message.

type LinesRing = { callback: (listener: (line: string) => void) => void; get: () => string };
type SpawnOptions = { detached: boolean; stdio: StdioOptions; captureStdout: boolean; stdoutLines: number; windowsHide: boolean };
type PathCallback = (error: Error | null, path?: string) => void;
type FluentInternals = {
  _spawnFfmpeg: (
    args: string[],
    options: SpawnOptions,
    processCB: (child: ChildProcess, stdoutRing: LinesRing, stderrRing: LinesRing) => void,
    endCB: (error: Error | null | undefined) => void,
  ) => void;
  _getFfmpegPath: (callback: PathCallback) => void;
  _getFfprobePath: (callback: PathCallback) => void;
};

export type ToolRunOptions = {
  /** The run is killed after this many milliseconds (MediaError 'timeout'). */
  timeoutMs: number;
  /** Kills the run (the promise rejects with the signal's reason). */
  signal?: AbortSignal | undefined;
  /** Told the process id once it started (its process group has the same id). */
  onSpawn?: ((pid: number) => void) | undefined;
};

export type FfmpegRunOptions = ToolRunOptions & {
  /** Whole percentages 0..100 as ffmpeg writes output time, measured against expectedSeconds; 100 at the end. */
  onProgress?: ((percent: number) => void) | undefined;
  /** The output's expected duration; without it only the final 100 is reported. */
  expectedSeconds?: number | undefined;
};

const STDERR_LINES = 40;
/** The most JSON ffprobe may print (a file with thousands of streams is refused, not buffered). */
const MAX_PROBE_OUTPUT = 4 * 1024 * 1024;
/** How long to wait for a killed process to be reaped before settling anyway. */
const REAP_GRACE_MS = 5000;
const INVALID = 'Invalid video file';
const TIMED_OUT = 'Video processing took too long';

/**
 * ffmpeg's failures that are ours, not the file's: a retry or a fix on our side is the answer. Anything
 * else a failed run says (invalid data, a refused demuxer, a missing index) is about the input.
 */
const OUR_FAULTS =
  /No space left on device|Cannot allocate memory|Read-only file system|Permission denied|Unrecognized option|Option \S+ not found|Error splitting the argument list|No such filter|Error initializing complex filters|Unknown encoder|Error while opening encoder|Error initializing output stream|Unable to find a suitable output format|Could not write header|Too many packets buffered|No such file or directory/i;

/** Runs ffmpeg with `args` (from ffmpeg-args.ts); resolves when it exited 0. */
export async function runFfmpeg(args: readonly string[], options: FfmpegRunOptions): Promise<void> {
  const progress = progressReader(options.onProgress, options.expectedSeconds);
  await runTool('ffmpeg', ['-progress', 'pipe:1', '-nostats', ...args], options, (chunk) => progress.chunk(chunk.toString('latin1')));
  progress.end();
}

/** Runs ffprobe with `args` (from probeArgs) and returns its parsed JSON. */
export async function runFfprobe(args: readonly string[], options: ToolRunOptions): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  await runTool('ffprobe', [...args], options, (chunk) => {
    size += chunk.length;
    if (size > MAX_PROBE_OUTPUT) throw new MediaError('corrupt', INVALID, { cause: new Error(`ffprobe printed more than ${MAX_PROBE_OUTPUT} bytes`) });
    chunks.push(chunk);
  });
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch (error) {
    throw new Error('ffprobe printed something other than JSON', { cause: error });
  }
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('The operation was aborted', 'AbortError');
}

async function locate(command: FluentInternals, tool: 'ffmpeg' | 'ffprobe'): Promise<string> {
  const path = await new Promise<string | undefined>((resolve, reject) => {
    const lookup = tool === 'ffmpeg' ? command._getFfmpegPath : command._getFfprobePath;
    lookup.call(command, (error, found) => (error ? reject(error) : resolve(found)));
  });
  if (path === undefined || path === '') throw new Error(`${tool} was not found (install ffmpeg, or set FFMPEG_PATH / FFPROBE_PATH)`);
  return path;
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // ESRCH: the group is gone already
  }
}

/**
 * Spawns `tool` detached, feeds its stdout to `onStdout` (which may throw to stop the run with that
 * error), and settles once it exited: resolved on exit code 0, rejected as described at the top.
 */
async function runTool(tool: 'ffmpeg' | 'ffprobe', args: string[], options: ToolRunOptions, onStdout: (chunk: Buffer) => void): Promise<void> {
  const { timeoutMs, signal } = options;
  if (!Number.isSafeInteger(timeoutMs) || timeoutMs < 1) throw new TypeError(`timeoutMs must be a positive integer, got ${timeoutMs}`);
  if (signal?.aborted) throw abortReason(signal);
  const command = ffmpeg() as unknown as FluentInternals;
  const binary = await locate(command, tool);
  command._getFfmpegPath = (callback) => callback(null, binary);
  if (signal?.aborted) throw abortReason(signal);

  return new Promise<void>((resolve, reject) => {
    let child: ChildProcess | undefined;
    let stderr: LinesRing | undefined;
    let stopped: { reason: 'timeout' } | { reason: 'abort' } | { reason: 'error'; error: unknown } | undefined;
    let settled = false;
    let reapTimer: NodeJS.Timeout | undefined;

    const stop = (why: NonNullable<typeof stopped>): void => {
      if (stopped !== undefined || settled) return;
      stopped = why;
      killGroup(child?.pid);
      // A process stuck in the kernel may take a while to go; do not keep the caller waiting for ever.
      reapTimer = setTimeout(() => finish(new Error(`${tool} was killed but did not exit`)), REAP_GRACE_MS);
      reapTimer.unref();
    };
    const timer = setTimeout(() => stop({ reason: 'timeout' }), timeoutMs);
    const onAbort = (): void => stop({ reason: 'abort' });
    signal?.addEventListener('abort', onAbort, { once: true });

    const tail = (): string => stderr?.get().trim() ?? '';
    const finish = (error: Error | null | undefined): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(reapTimer);
      signal?.removeEventListener('abort', onAbort);
      // fluent-ffmpeg says "ffmpeg exited with code 1" (or "was killed with signal …") for either tool.
      const status = error?.message.replace(/^ffmpeg /, '') ?? 'failed';
      const detail = (): Error => new Error(`${tool} ${status}: ${tail()}`);
      if (stopped?.reason === 'timeout') return reject(new MediaError('timeout', TIMED_OUT, { cause: detail() }));
      if (stopped?.reason === 'abort') return reject(abortReason(signal!));
      if (stopped?.reason === 'error') return reject(stopped.error);
      if (child?.pid === undefined) return reject(new Error(`${tool} could not be started`, { cause: error ?? undefined }));
      if (!error) return resolve();
      const cause = detail();
      if (OUR_FAULTS.test(tail())) return reject(new Error(`${tool} failed`, { cause }));
      reject(new MediaError('corrupt', INVALID, { cause }));
    };

    command._spawnFfmpeg(
      args,
      { detached: true, stdio: ['ignore', 'pipe', 'pipe'], captureStdout: true, stdoutLines: STDERR_LINES, windowsHide: true },
      (spawned, _stdoutRing, stderrRing) => {
        child = spawned;
        stderr = stderrRing;
        spawned.stdout?.on('data', (chunk: Buffer | string) => {
          if (stopped !== undefined) return;
          try {
            onStdout(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk);
          } catch (error) {
            stop({ reason: 'error', error });
          }
        });
        if (spawned.pid !== undefined) options.onSpawn?.(spawned.pid);
        // The signal may have fired while the binary was being located or the process started.
        if (signal?.aborted) stop({ reason: 'abort' });
      },
      finish,
    );
  });
}

/** Reads `-progress pipe:1` (key=value lines): out_time_us against the expected seconds, `progress=end` as 100. */
function progressReader(onProgress: ((percent: number) => void) | undefined, expectedSeconds: number | undefined) {
  let pending = '';
  let reported = -1;
  const report = (percent: number): void => {
    const whole = Math.max(0, Math.min(100, Math.floor(percent)));
    if (whole > reported) {
      reported = whole;
      onProgress?.(whole);
    }
  };
  return {
    chunk(text: string): void {
      if (onProgress === undefined) return;
      const lines = (pending + text).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        const [key, value] = line.trim().split('=', 2);
        if (key === 'out_time_us' && expectedSeconds !== undefined && expectedSeconds > 0 && value !== undefined && /^\d+$/.test(value)) {
          // 99 at most until ffmpeg says it is done (the muxer may still be writing the index).
          report(Math.min(99, (Number(value) / 1e6 / expectedSeconds) * 100));
        }
        if (key === 'progress' && value === 'end') report(100);
      }
    },
    end(): void {
      if (onProgress !== undefined) report(100);
    },
  };
}
