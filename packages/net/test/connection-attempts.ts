import { subscribe, unsubscribe } from 'node:diagnostics_channel';

export interface ConnectionAttempts {
  /** Connections undici was about to open. */
  scheduled(): number;
  /** Client sockets Node created (TCP and TLS alike). */
  sockets(): number;
  stop(): void;
}

/**
 * Watches outgoing connection attempts at two levels, so a test can prove that a refused URL never
 * produced one, not merely that it failed.
 */
export function recordConnectionAttempts(): ConnectionAttempts {
  let scheduled = 0;
  let sockets = 0;
  const onScheduled = (): void => {
    scheduled++;
  };
  const onSocket = (): void => {
    sockets++;
  };
  subscribe('undici:client:beforeConnect', onScheduled);
  subscribe('net.client.socket', onSocket);
  return {
    scheduled: () => scheduled,
    sockets: () => sockets,
    stop: () => {
      unsubscribe('undici:client:beforeConnect', onScheduled);
      unsubscribe('net.client.socket', onSocket);
    },
  };
}
