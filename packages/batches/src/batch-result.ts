import { withRawConvertEntry } from '@rendition/protocol';

/**
 * What a batch reports when it finishes (its notifications, a synchronous answer): the upload or
 * explicit response, with the eager list filled in as its derivations finish. Stored as json (not
 * jsonb) so Cloudinary's field order survives; only this module edits it.
 */
export interface EagerResultItem {
  transformation: string;
  url: string;
  secure_url: string;
  [field: string]: unknown;
}

export interface BatchResult {
  eager?: EagerResultItem[];
  [field: string]: unknown;
}

/** The edits a finishing job may make to its batch's result, applied under the batch's lock. */
export type BatchResultChange =
  /** The ingest stored the original: the response becomes the result. */
  | {
      kind: 'upload-stored';
      response: Record<string, unknown>;
      /** Synchronous eager: items derived before this (none, or the ingest's own first one) stay. */
      keepEager: boolean;
      /** The first eager item, when the ingest derived it itself. */
      firstEagerItem?: EagerResultItem;
    }
  /** One eager derivation finished: its item takes its place in the list. */
  | { kind: 'eager-item'; index: number; item: EagerResultItem }
  /** A raw_convert finished (or failed): `info.raw_convert.<conversion>` becomes its entry. */
  | { kind: 'raw-convert'; conversion: string; entry: RawConvertEntry }
  /** An explicit call's analyses finished: their fields join the response. */
  | { kind: 'analysis'; fields: Record<string, unknown> }
  /** The automatic moderation decided: the entries as they now stand; a rejected image is a placeholder. */
  | { kind: 'moderation'; moderation: unknown[]; placeholder: boolean };

/** `info.raw_convert.<conversion>` (shared/spec/cloudinary-reference-wave2.md §2.2). */
export interface RawConvertEntry {
  status: 'pending' | 'complete' | 'failed';
  data?: Record<string, unknown>;
  error?: { message: string };
  [field: string]: unknown;
}

export function applyResultChange(current: BatchResult | null, change: BatchResultChange): BatchResult {
  switch (change.kind) {
    case 'upload-stored': {
      const result: BatchResult = { ...change.response, ...(change.keepEager && current?.eager ? { eager: current.eager } : {}) };
      return change.firstEagerItem ? withEagerItem(result, 0, change.firstEagerItem) : result;
    }
    case 'eager-item':
      return withEagerItem(current, change.index, change.item);
    case 'raw-convert':
      // The entry in `info.raw_convert`, where the response already has `info` (its place kept).
      return { ...current, info: withRawConvertEntry(current?.info, change.conversion, change.entry) };
    case 'analysis':
      return { ...current, ...change.fields };
    case 'moderation':
      // Cloudinary keeps reporting the original's etag; only the bytes go (wave 2 §3.2).
      return { ...current, ...(change.placeholder ? { bytes: 0, placeholder: true } : {}), moderation: change.moderation };
  }
}

/** The raw_convert entries of a result, by conversion. */
export function rawConvertEntries(result: BatchResult | null | undefined): Record<string, RawConvertEntry> {
  const info = isRecord(result?.info) ? result.info : undefined;
  return info && isRecord(info.raw_convert) ? (info.raw_convert as Record<string, RawConvertEntry>) : {};
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function withEagerItem(current: BatchResult | null, index: number, item: EagerResultItem): BatchResult {
  const eager = Array.isArray(current?.eager) ? [...current.eager] : [];
  eager[index] = item;
  return { ...current, eager };
}
