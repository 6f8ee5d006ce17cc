import { listenForOutcomes, type OutcomeListener, type OutcomeTopic } from './outcome-signals.ts';

/**
 * The one way Rendition waits for work to finish (a synchronous upload, an explicit call, a first
 * delivery of a derivative): read the outcome from PostgreSQL, and read again whenever the outcome
 * signal of its topic arrives. A slow re-read also runs in case a signal was lost with a connection.
 */
export interface OutcomeWaiter {
  /**
   * Resolves with what `read` found once it finds something, or undefined at the deadline. `first`,
   * when given, runs in place of the first read, once the wait listens for the topic: it may start the
   * work whose outcome is awaited (record and queue a job), reading its state in the same statement, so
   * no signal of that work can be missed and no read is spent before it could have an outcome.
   */
  waitFor<T>(topic: OutcomeTopic, read: () => Promise<T | undefined>, timeoutMs: number, first?: () => Promise<T | undefined>): Promise<T | undefined>;
  close(): Promise<void>;
}

const SAFETY_REREAD_MS = 1_000;

export function createOutcomeWaiter(databaseUrl: string, onError: (error: unknown) => void = () => {}): OutcomeWaiter {
  const waiting = new Map<string, Set<() => void>>();
  let listener: OutcomeListener | undefined;
  const wakeAll = () => {
    for (const wakers of waiting.values()) for (const wake of wakers) wake();
  };
  // Only processes that wait (the API) hold a listening connection, and only from their first wait.
  const ensureListening = () => {
    listener ??= listenForOutcomes(databaseUrl, {
      onTopic: (topic) => waiting.get(topic)?.forEach((wake) => wake()),
      onReconnect: wakeAll,
      onError,
    });
  };

  return {
    async waitFor(topic, read, timeoutMs, first) {
      ensureListening();
      const deadline = Date.now() + timeoutMs;
      let wake: () => void = () => {};
      // Set by a signal that arrives while a read is in flight: read again at once instead of sleeping.
      let signalled: boolean;
      const onSignal = () => {
        signalled = true;
        wake();
      };
      const wakers = waiting.get(topic) ?? new Set();
      wakers.add(onSignal);
      waiting.set(topic, wakers);
      try {
        // Subscribed before the first read: a signal sent between the two cannot be missed.
        for (let reads = 0; ; reads += 1) {
          signalled = false;
          const found = await (reads === 0 && first ? first() : read());
          if (found !== undefined) return found;
          const left = deadline - Date.now();
          if (left <= 0) return undefined;
          if (signalled) continue;
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, Math.min(left, SAFETY_REREAD_MS));
            wake = () => {
              clearTimeout(timer);
              resolve();
            };
          });
          wake = () => {};
        }
      } finally {
        wakers.delete(onSignal);
        if (wakers.size === 0) waiting.delete(topic);
      }
    },
    async close() {
      await listener?.close();
      listener = undefined;
    },
  };
}
