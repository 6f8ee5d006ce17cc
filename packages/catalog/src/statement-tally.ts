import { AsyncLocalStorage } from 'node:async_hooks';

/** The PostgreSQL statements one unit of work (a request, a job run) sent, BEGIN and COMMIT included. */
export interface StatementTally {
  statements: number;
}

const current = new AsyncLocalStorage<StatementTally>();

/**
 * Runs `work` with a tally every catalog statement it causes is counted in, however deep (the pool's
 * clients report to the tally of the async context that sent the statement). This is how the
 * statement budgets of docs/performance.md are measured and held by tests.
 */
export function runWithStatementTally<T>(tally: StatementTally, work: () => T): T {
  return current.run(tally, work);
}

/**
 * Runs `work` outside any tally: for work a unit starts but that is not its own (a webhook attempt
 * made right after a job ends its batch), whose statements would otherwise count against the job.
 */
export function runOutsideStatementTally<T>(work: () => T): T {
  return current.exit(work);
}

/** Counts one statement in the current tally (none outside a tally): connectCatalog's one wrapper of each client's query calls it. */
export function countStatement(): void {
  const tally = current.getStore();
  if (tally) tally.statements += 1;
}
