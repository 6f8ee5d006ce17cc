import type { Selectable, Transaction } from 'kysely';
import type { CatalogDb } from './connection.ts';
import type { Database, LargeUploadPartsTable, LargeUploadsTable } from './database-schema.ts';

/** A chunked upload in progress (0010-large-uploads). */
export interface LargeUploadSession {
  cloudName: string;
  uploadId: string;
  /** Ours: names the assembly in storage. */
  sessionId: string;
  resourceType: string;
  driverState: string | undefined;
  totalBytes: number | null;
  totalParts: number | null;
  /** Bytes of the parts stored so far. */
  bytesReceived: number;
  completing: boolean;
  updatedAt: Date;
}

export interface LargeUploadPart {
  partNumber: number;
  /** [start, end) in the file; null for the part-number form. */
  start: number | null;
  end: number | null;
  size: number;
  md5: string;
  etag: string | null;
  /** False while its bytes are on their way to the store. */
  stored: boolean;
}

/** The session row, locked (`FOR UPDATE`) until the transaction ends, and what may change it meanwhile. */
export interface LockedLargeUpload {
  session: LargeUploadSession;
  parts: LargeUploadPart[];
  reservePart(part: Omit<LargeUploadPart, 'etag' | 'stored'>): Promise<void>;
  markPartStored(partNumber: number, etag: string | undefined): Promise<void>;
  forgetPart(partNumber: number): Promise<void>;
  update(change: { totalBytes?: number | null; totalParts?: number | null; bytesReceived?: number; completing?: boolean }): Promise<void>;
  /** Deletes the session and its parts (the caller deals with the stored bytes). */
  delete(): Promise<void>;
}

/**
 * Creates the session of (cloud, uploadId) unless it exists; `begin` (the store's beginParts) runs
 * only for the request that created it, and in its transaction, so concurrent first parts share one
 * assembly. Returns whether this call created it.
 */
export async function ensureLargeUpload(
  db: CatalogDb,
  input: { cloudName: string; uploadId: string; sessionId: string; resourceType: string },
  begin: () => Promise<{ driverState?: string }>,
): Promise<boolean> {
  return db.transaction().execute(async (tx) => {
    const inserted = await tx
      .insertInto('large_uploads')
      .values({ cloud_name: input.cloudName, upload_id: input.uploadId, session_id: input.sessionId, resource_type: input.resourceType })
      .onConflict((oc) => oc.columns(['cloud_name', 'upload_id']).doNothing())
      .returning('session_id')
      .executeTakeFirst();
    if (!inserted) return false;
    const { driverState } = await begin();
    if (driverState !== undefined) {
      await tx.updateTable('large_uploads').set({ driver_state: driverState }).where('session_id', '=', input.sessionId).execute();
    }
    return true;
  });
}

export async function findLargeUpload(db: CatalogDb, cloudName: string, uploadId: string): Promise<LargeUploadSession | undefined> {
  const row = await db.selectFrom('large_uploads').selectAll().where('cloud_name', '=', cloudName).where('upload_id', '=', uploadId).executeTakeFirst();
  return row ? sessionFromRow(row) : undefined;
}

/**
 * Runs `fn` with the session of (cloud, uploadId) locked, so that parts of one upload arriving
 * together are recorded one at a time and exactly one of them sees the file complete. `undefined`
 * when there is no such session (swept, or completed meanwhile).
 */
export async function withLockedLargeUpload<T>(
  db: CatalogDb,
  cloudName: string,
  uploadId: string,
  fn: (locked: LockedLargeUpload | undefined) => Promise<T>,
): Promise<T> {
  return db.transaction().execute(async (tx) => {
    const row = await tx
      .selectFrom('large_uploads')
      .selectAll()
      .where('cloud_name', '=', cloudName)
      .where('upload_id', '=', uploadId)
      .forUpdate()
      .executeTakeFirst();
    if (!row) return fn(undefined);
    const parts = await tx.selectFrom('large_upload_parts').selectAll().where('session_id', '=', row.session_id).orderBy('part_number').execute();
    return fn(lockedSession(tx, sessionFromRow(row), parts.map(partFromRow)));
  });
}

/**
 * Sweeps one session with no part since `olderThan` (skipping sessions a request holds): `abort`
 * (the store's abortParts) runs with the row locked, then the row and its parts are deleted.
 */
export async function sweepOneLargeUpload(
  db: CatalogDb,
  olderThan: Date,
  abort: (session: LargeUploadSession) => Promise<void>,
): Promise<LargeUploadSession | undefined> {
  return db.transaction().execute(async (tx) => {
    const row = await tx
      .selectFrom('large_uploads')
      .selectAll()
      .where('updated_at', '<', olderThan)
      .orderBy('updated_at')
      .limit(1)
      .forUpdate()
      .skipLocked()
      .executeTakeFirst();
    if (!row) return undefined;
    const session = sessionFromRow(row);
    await abort(session);
    await tx.deleteFrom('large_uploads').where('session_id', '=', row.session_id).execute();
    return session;
  });
}

type SessionRow = Selectable<LargeUploadsTable>;

function sessionFromRow(row: SessionRow): LargeUploadSession {
  return {
    cloudName: row.cloud_name,
    uploadId: row.upload_id,
    sessionId: row.session_id,
    resourceType: row.resource_type,
    driverState: row.driver_state ?? undefined,
    totalBytes: row.total_bytes === null ? null : Number(row.total_bytes),
    totalParts: row.total_parts,
    bytesReceived: Number(row.bytes_received),
    completing: row.completing,
    updatedAt: row.updated_at,
  };
}

function partFromRow(row: Selectable<LargeUploadPartsTable>): LargeUploadPart {
  return {
    partNumber: row.part_number,
    start: row.start_byte === null ? null : Number(row.start_byte),
    end: row.end_byte === null ? null : Number(row.end_byte),
    size: Number(row.size),
    md5: row.md5,
    etag: row.etag,
    stored: row.stored,
  };
}

function lockedSession(tx: Transaction<Database>, session: LargeUploadSession, parts: LargeUploadPart[]): LockedLargeUpload {
  const id = session.sessionId;
  const touch = () => tx.updateTable('large_uploads').set({ updated_at: new Date() }).where('session_id', '=', id).execute();
  return {
    session,
    parts,
    async reservePart(part) {
      await tx
        .insertInto('large_upload_parts')
        .values({
          session_id: id,
          part_number: part.partNumber,
          start_byte: part.start,
          end_byte: part.end,
          size: part.size,
          md5: part.md5,
        })
        .onConflict((oc) =>
          oc.columns(['session_id', 'part_number']).doUpdateSet({
            start_byte: part.start,
            end_byte: part.end,
            size: part.size,
            md5: part.md5,
            etag: null,
            stored: false,
          }),
        )
        .execute();
      await touch();
    },
    async markPartStored(partNumber, etag) {
      await tx
        .updateTable('large_upload_parts')
        .set({ stored: true, etag: etag ?? null })
        .where('session_id', '=', id)
        .where('part_number', '=', partNumber)
        .execute();
      await touch();
    },
    async forgetPart(partNumber) {
      await tx.deleteFrom('large_upload_parts').where('session_id', '=', id).where('part_number', '=', partNumber).execute();
    },
    async update(change) {
      await tx
        .updateTable('large_uploads')
        .set({
          updated_at: new Date(),
          ...(change.totalBytes !== undefined ? { total_bytes: change.totalBytes } : {}),
          ...(change.totalParts !== undefined ? { total_parts: change.totalParts } : {}),
          ...(change.bytesReceived !== undefined ? { bytes_received: change.bytesReceived } : {}),
          ...(change.completing !== undefined ? { completing: change.completing } : {}),
        })
        .where('session_id', '=', id)
        .execute();
    },
    async delete() {
      await tx.deleteFrom('large_uploads').where('session_id', '=', id).execute();
    },
  };
}
