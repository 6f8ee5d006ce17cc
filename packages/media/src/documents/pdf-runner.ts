// Entry point of a PDF runner: a child process that does one pdf.js operation at a time for
// runner-pool.ts. Node runs this file itself (type stripping), also under vitest, so it and what it
// imports use only erasable TypeScript and explicit .ts specifiers.
import { enableCompileCache, flushCompileCache } from 'node:module';
import { MediaError } from '../media-error.ts';
import type { RunnerFailure, RunnerMessage, RunnerReply, RunnerSettings } from './runner-protocol.ts';

const send = process.send?.bind(process);
if (send === undefined) throw new Error('pdf-runner.ts runs as a child process started by the document engine');
const settings = JSON.parse(process.argv[2] ?? '{}') as RunnerSettings;

// Before pdf.js is imported, so that its parser code comes from the cache when the parent has one.
if (settings.compileCacheDir !== undefined) enableCompileCache(settings.compileCacheDir);
// Listening before the import finishes: a message that arrives while pdf.js loads waits for it.
const work = import('./pdf-work.ts');
// Written now: a runner usually ends by SIGKILL (close, timeout), which never writes the cache.
void work.then(
  () => flushCompileCache(),
  () => undefined,
);

process.on('message', (message: RunnerMessage) => {
  work
    .then(({ perform }) => perform(message.request, settings))
    .then(
      (value) => send({ id: message.id, ok: true, value } satisfies RunnerReply),
      (error: unknown) => send({ id: message.id, ok: false, failure: describe(error) } satisfies RunnerReply),
    );
});
// The engine closed or its process died: nothing will ask for more.
process.on('disconnect', () => process.exit(0));

function describe(error: unknown): RunnerFailure {
  const code = typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string' ? error.code : undefined;
  if (error instanceof MediaError) {
    const cause = error.cause instanceof Error ? `${error.cause.name}: ${error.cause.message}` : error.cause === undefined ? '' : String(error.cause);
    return { kind: error.kind, message: error.message, detail: cause, code };
  }
  if (error instanceof Error) return { kind: null, message: error.message, detail: error.stack ?? String(error), code };
  return { kind: null, message: String(error), detail: String(error), code };
}
