/**
 * What a bench started, stopped in reverse order exactly once, whether the bench ends normally,
 * fails, is interrupted or runs past its deadline. The deadline timer is unref'd so it never
 * keeps a finished bench alive.
 */
export class Cleanup {
  readonly #closers: Array<{ what: string; close: () => Promise<unknown> }> = [];
  #running: Promise<void> | undefined;

  constructor(name: string, deadlineMs: number) {
    const abort = (reason: string, code: number) => {
      console.error(`${name}: ${reason}, cleaning up`);
      setTimeout(() => process.exit(code), 15_000).unref();
      this.run().finally(() => process.exit(code));
    };
    setTimeout(() => abort(`exceeded its ${Math.round(deadlineMs / 1000)} s bound`, 124), deadlineMs).unref();
    process.once('SIGINT', () => abort('interrupted', 130));
    process.once('SIGTERM', () => abort('terminated', 143));
  }

  add(what: string, close: () => Promise<unknown>): void {
    this.#closers.push({ what, close });
  }

  run(): Promise<void> {
    this.#running ??= (async () => {
      for (const { what, close } of this.#closers.reverse()) {
        try {
          await close();
        } catch (error) {
          console.error(`clean-up of ${what} failed:`, error);
        }
      }
    })();
    return this.#running;
  }
}
