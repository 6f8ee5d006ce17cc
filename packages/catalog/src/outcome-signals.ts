import { sql, type RawBuilder, type Transaction } from 'kysely';
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

/** The same signal as an expression, for the RETURNING of the statement that records the outcome (one round trip less). */
export function outcomeSignal(topic: OutcomeTopic): RawBuilder<unknown> {
  return sql`pg_notify(${CHANNEL}, ${topic})`;
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
  return listenOnChannel(databaseUrl, CHANNEL, {
    onPayload: (topic) => {
      if (topic) handlers.onTopic(topic);
    },
    onListening: handlers.onReconnect,
    onError: handlers.onError,
  });
}

/**
 * One connection that LISTENs on `channel` and hands each payload to `onPayload`, reconnecting after a
 * lost connection. `onListening` runs each time LISTEN took effect (signals sent while it was down are
 * lost: re-read then); `onLost` as soon as the connection is known to be gone.
 */
export function listenOnChannel(
  databaseUrl: string,
  channel: string,
  handlers: { onPayload(payload: string): void; onListening(): void; onLost?(): void; onError(error: unknown): void },
): OutcomeListener {
  // The name is interpolated into LISTEN (it takes no parameters): ours are constants, checked anyway.
  if (!/^[a-z_]+$/.test(channel)) throw new Error(`Unsupported channel name ${JSON.stringify(channel)}`);
  let client: pg.Client | undefined;
  let closed = false;
  let retry: NodeJS.Timeout | undefined;

  const connect = async (): Promise<void> => {
    const next = new pg.Client({ connectionString: databaseUrl });
    next.on('notification', (message) => {
      if (message.channel === channel) handlers.onPayload(message.payload ?? '');
    });
    next.on('error', (error) => {
      handlers.onError(error);
      scheduleReconnect(next);
    });
    next.on('end', () => scheduleReconnect(next));
    try {
      await next.connect();
      await next.query(`LISTEN ${channel}`);
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
    handlers.onListening();
  };

  const scheduleReconnect = (broken: pg.Client) => {
    if (closed || retry || (client !== undefined && client !== broken)) return;
    client = undefined;
    handlers.onLost?.();
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
