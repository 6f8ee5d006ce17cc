import type { MediaErrorKind } from '../media-error.ts';

/** What the engine hands every PDF runner when it starts it (its first argument, JSON). */
export type RunnerSettings = {
  maxPages: number;
  maxRenderPixels: number;
  /** The calling process's compile cache, so a runner does not compile pdf.js (or strip our types) again. */
  compileCacheDir?: string | undefined;
};

/** One operation for a runner. `output` is a temporary path the caller renames into place. */
export type RunnerRequest =
  { op: 'probe'; path: string } | { op: 'text'; path: string } | { op: 'render'; path: string; output: string; page: number; density: number };

export type RunnerMessage = { id: number; request: RunnerRequest };

/**
 * A failure as it crosses the thread boundary (a class does not survive structured cloning).
 * `kind` null: not a MediaError, rethrown as a plain Error. `detail`: the library's text, for `cause`.
 */
export type RunnerFailure = { kind: MediaErrorKind | null; message: string; detail: string; code: string | undefined };

export type RunnerReply = { id: number; ok: true; value: unknown } | { id: number; ok: false; failure: RunnerFailure };
