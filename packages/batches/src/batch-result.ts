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
  | { kind: 'eager-item'; index: number; item: EagerResultItem };

export function applyResultChange(current: BatchResult | null, change: BatchResultChange): BatchResult {
  switch (change.kind) {
    case 'upload-stored': {
      const result: BatchResult = { ...change.response, ...(change.keepEager && current?.eager ? { eager: current.eager } : {}) };
      return change.firstEagerItem ? withEagerItem(result, 0, change.firstEagerItem) : result;
    }
    case 'eager-item':
      return withEagerItem(current, change.index, change.item);
  }
}

function withEagerItem(current: BatchResult | null, index: number, item: EagerResultItem): BatchResult {
  const eager = Array.isArray(current?.eager) ? [...current.eager] : [];
  eager[index] = item;
  return { ...current, eager };
}
