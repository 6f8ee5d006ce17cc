/**
 * Runs `pass` now and every `intervalMs`, one pass at a time (a slow pass is not overlapped by the next
 * tick), off the event loop's keep-alive. A failed pass goes to `onError`; the next tick tries again.
 * `stop()` stops the ticks and waits for the pass in progress. Background loops of a worker (the outbox
 * relay, the leftover sweeper) share it.
 */
export function startPeriodicTask(
  pass: () => Promise<unknown>,
  options: { intervalMs: number; onError(error: unknown): void },
): { stop(): Promise<void> } {
  let running: Promise<unknown> = Promise.resolve();
  let stopped = false;
  const tick = () => {
    if (stopped) return;
    running = running.then(pass).catch(options.onError);
  };
  tick();
  const timer = setInterval(tick, options.intervalMs);
  timer.unref();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
