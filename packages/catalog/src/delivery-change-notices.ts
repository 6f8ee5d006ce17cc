import { listenOnChannel, type OutcomeListener } from './outcome-signals.ts';

/** The channel migration 0029's triggers notify when what a delivery URL resolves to may have changed. */
export const DELIVERY_CHANNEL = 'rendition_delivery';

/** One notice: an asset (its row, or one of its derived rows) changed, or anything may have. */
export type DeliveryChange = { kind: 'asset'; assetId: string } | { kind: 'all' };

/** What a notice's payload says; an unknown payload counts as `all`, so a newer writer never leaves stale entries behind. */
export function deliveryChangeOf(payload: string): DeliveryChange {
  if (payload.startsWith('a:') && payload.length > 2) return { kind: 'asset', assetId: payload.slice(2) };
  return { kind: 'all' };
}

/**
 * One connection that LISTENs on DELIVERY_CHANNEL (reconnecting after a loss). `onListening` runs each
 * time LISTEN took effect and `onLost` as soon as the connection is gone: notices sent in between are
 * lost, so a cache must forget everything and serve nothing until it listens again.
 */
export function listenForDeliveryChanges(
  databaseUrl: string,
  handlers: { onChange(change: DeliveryChange): void; onListening(): void; onLost(): void; onError(error: unknown): void },
): OutcomeListener {
  return listenOnChannel(databaseUrl, DELIVERY_CHANNEL, {
    onPayload: (payload) => handlers.onChange(deliveryChangeOf(payload)),
    onListening: handlers.onListening,
    onLost: handlers.onLost,
    onError: handlers.onError,
  });
}
