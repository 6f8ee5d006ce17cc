import type { AssetRecord } from '@rendition/catalog';
import type { IngestOutcome } from './ingest-service.ts';

/** The JSON form of an outcome, as it travels through BullMQ and the jobs table. */
export type SerializedOutcome = { asset: Omit<AssetRecord, 'createdAt'> & { createdAt: string }; existing: boolean };

export function serializeOutcome(outcome: IngestOutcome): SerializedOutcome {
  return { asset: { ...outcome.asset, createdAt: outcome.asset.createdAt.toISOString() }, existing: outcome.existing };
}

export function deserializeOutcome(serialized: SerializedOutcome): IngestOutcome {
  return { asset: { ...serialized.asset, createdAt: new Date(serialized.asset.createdAt) }, existing: serialized.existing };
}
