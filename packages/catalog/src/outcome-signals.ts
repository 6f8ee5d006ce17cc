import { sql, type Transaction } from 'kysely';
import pg from 'pg';
import type { Database } from './database-schema.ts';

/**
 * Finished jobs and batches are announced with PostgreSQL's NOTIFY, sent by the transaction that
 * records the outcome, so a listener hears of it exactly when it is committed and readable. The
 * signal only says "read again": the outcome itself is always read from the rows.
 */
const CHANNEL = 'rendition_outcomes';

export type OutcomeTopic = `job:${string}` | `batch:${string}`;

export async function signalOutcome(trx: Transaction<Database>, topic: OutcomeTopic): Promise<void> {
  await sql`select pg_notify(${CHANNEL}, ${topic})`.execute(trx);
}

export interface OutcomeListener {
  close(): Promise<void>;
}

/**
 * One connection that LISTENs for outcome signals and hands each topic to `onTopic`. It reconnects
 * after a lost connection; `onReconnect` lets waiters re-read, since signals sent meanwhile are lost.
 */
export function listenForOutcomes(
  databaseUrl: string,
  handlers: { onTopic(topic: string): void; onReconnect(): void; onError(error: unknown): void },
): OutcomeListener {
  let client: pg.Client | undefined;
  let closed = false;
  let retry: NodeJS.Timeout | undefined;

  const connect = async (): Promise<void> => {
    const next = new pg.Client({ connectionString: databaseUrl });
    next.on('notification', (message) => {
      if (message.channel === CHANNEL && message.payload) handlers.onTopic(message.payload);
    });
    next.on('error', (error) => {
      handlers.onError(error);
      scheduleReconnect(next);
    });
    next.on('end', () => scheduleReconnect(next));
    try {
      await next.connect();
      await next.query(`LISTEN ${CHANNEL}`);
    } catch (error) {
      handlers.onError(error);
      scheduleReconnect(next);
      return;
    }
    if (closed) {
      await next.end().catch(() => {});
      return;
    }
    client = next;
    handlers.onReconnect();
  };

  const scheduleReconnect = (broken: pg.Client) => {
    if (closed || retry || (client !== undefined && client !== broken)) return;
    client = undefined;
    broken.end().catch(() => {});
    retry = setTimeout(() => {
      retry = undefined;
      void connect();
    }, 500);
    retry.unref();
  };

  const ready = connect();
  return {
    async close() {
      closed = true;
      if (retry) clearTimeout(retry);
      await ready;
      await client?.end().catch(() => {});
      client = undefined;
    },
  };
}
