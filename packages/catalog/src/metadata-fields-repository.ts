import { sql, type ColumnType, type Generated, type RawBuilder } from 'kysely';
import type { CatalogDb } from './connection.ts';
import type { MetadataValue } from './database-schema.ts';
import type { AssetScope } from './asset-records.ts';
import { inRequestOrder, updateAssetsInScope } from './scoped-update.ts';

/**
 * Structured metadata (migration 0007): field definitions per cloud and the writes of metadata
 * values onto assets. The `metadata_fields` table is declared here and added with `withTables`,
 * like upload presets, so the shared schema file only gains the `assets.metadata` column.
 */
export interface MetadataFieldsTable {
  cloud_name: string;
  external_id: string;
  type: string;
  label: string;
  mandatory: Generated<boolean>;
  default_value: ColumnType<unknown, string | null, string | null>;
  validation: ColumnType<unknown, string | null, string | null>;
  datasource: ColumnType<unknown, string | null, string | null>;
  position: number;
  created_at: Generated<Date>;
  updated_at: ColumnType<Date, Date | undefined, Date>;
  deleted_at: Date | null;
}

/** A field definition as stored: the JSON parts exactly as the Admin API shows them. */
export interface MetadataFieldRecord {
  cloudName: string;
  externalId: string;
  type: string;
  label: string;
  mandatory: boolean;
  defaultValue: unknown;
  validation: unknown;
  datasource: unknown;
  position: number;
}

/** Values to set (by external_id) and fields to clear, applied to an asset's metadata in one statement. */
export interface MetadataChanges {
  set: Record<string, MetadataValue>;
  clear: string[];
}

function fieldsDb(db: CatalogDb) {
  return db.withTables<{ metadata_fields: MetadataFieldsTable }>();
}

const COLUMNS = ['cloud_name', 'external_id', 'type', 'label', 'mandatory', 'default_value', 'validation', 'datasource', 'position'] as const;

type Row = {
  cloud_name: string;
  external_id: string;
  type: string;
  label: string;
  mandatory: boolean;
  default_value: unknown;
  validation: unknown;
  datasource: unknown;
  position: number;
};

function toRecord(row: Row): MetadataFieldRecord {
  return {
    cloudName: row.cloud_name,
    externalId: row.external_id,
    type: row.type,
    label: row.label,
    mandatory: row.mandatory,
    defaultValue: row.default_value ?? null,
    validation: row.validation ?? null,
    datasource: row.datasource ?? null,
    position: row.position,
  };
}

const jsonOrNull = (value: unknown): string | null => (value === null || value === undefined ? null : JSON.stringify(value));

/** The cloud's live fields, in their order. */
export async function listMetadataFields(db: CatalogDb, cloudName: string): Promise<MetadataFieldRecord[]> {
  const rows = await fieldsDb(db)
    .selectFrom('metadata_fields')
    .select(COLUMNS)
    .where('cloud_name', '=', cloudName)
    .where('deleted_at', 'is', null)
    .orderBy('position')
    .orderBy('external_id')
    .execute();
  return rows.map(toRecord);
}

export async function findMetadataField(db: CatalogDb, cloudName: string, externalId: string): Promise<MetadataFieldRecord | undefined> {
  const row = await fieldsDb(db)
    .selectFrom('metadata_fields')
    .select(COLUMNS)
    .where('cloud_name', '=', cloudName)
    .where('external_id', '=', externalId)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  return row && toRecord(row);
}

/** Adds a field at the end of the cloud's order; `exists` when the external_id is taken (a deleted field's too). */
export async function insertMetadataField(
  db: CatalogDb,
  field: Omit<MetadataFieldRecord, 'position'>,
): Promise<{ kind: 'created'; field: MetadataFieldRecord } | { kind: 'exists' }> {
  const row = await fieldsDb(db)
    .insertInto('metadata_fields')
    .values({
      cloud_name: field.cloudName,
      external_id: field.externalId,
      type: field.type,
      label: field.label,
      mandatory: field.mandatory,
      default_value: jsonOrNull(field.defaultValue),
      validation: jsonOrNull(field.validation),
      datasource: jsonOrNull(field.datasource),
      position: sql<number>`(select coalesce(max(position), 0) + 1 from metadata_fields where cloud_name = ${field.cloudName})`,
    })
    .onConflict((c) => c.constraint('metadata_fields_pk').doNothing())
    .returning(COLUMNS)
    .executeTakeFirst();
  return row ? { kind: 'created', field: toRecord(row) } : { kind: 'exists' };
}

/** Replaces the changeable parts of a live field (label, mandatory, default, validation, datasource). */
export async function updateMetadataField(
  db: CatalogDb,
  field: Omit<MetadataFieldRecord, 'position' | 'type'>,
): Promise<MetadataFieldRecord | undefined> {
  const row = await fieldsDb(db)
    .updateTable('metadata_fields')
    .set({
      label: field.label,
      mandatory: field.mandatory,
      default_value: jsonOrNull(field.defaultValue),
      validation: jsonOrNull(field.validation),
      datasource: jsonOrNull(field.datasource),
      updated_at: new Date(),
    })
    .where('cloud_name', '=', field.cloudName)
    .where('external_id', '=', field.externalId)
    .where('deleted_at', 'is', null)
    .returning(COLUMNS)
    .executeTakeFirst();
  return row && toRecord(row);
}

/**
 * Deletes a field: its row stays as a tombstone (the external_id cannot be reused) and its values
 * leave every asset of the cloud, in the same transaction. False when there was no live field.
 */
export async function deleteMetadataField(db: CatalogDb, cloudName: string, externalId: string): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const deleted = await fieldsDb(trx)
      .updateTable('metadata_fields')
      .set({ deleted_at: new Date(), updated_at: new Date() })
      .where('cloud_name', '=', cloudName)
      .where('external_id', '=', externalId)
      .where('deleted_at', 'is', null)
      .returning('external_id')
      .executeTakeFirst();
    if (!deleted) return false;
    await trx
      .updateTable('assets')
      .set({ metadata: sql<string>`metadata - ${externalId}::text`, updated_at: new Date() })
      .where('cloud_name', '=', cloudName)
      .where(sql<boolean>`metadata ? ${externalId}::text`)
      .execute();
    return true;
  });
}

/** The SQL of an asset's metadata after `changes`: values merged in, cleared fields removed. */
export function mergedMetadata(changes: MetadataChanges): RawBuilder<string> {
  return sql<string>`(metadata || ${JSON.stringify(changes.set)}::jsonb) - ${changes.clear}::text[]`;
}

/**
 * `update_metadata` over public_ids of one scope: one statement, so every asset gets the same
 * change or none does. Returns the public_ids that exist, in request order.
 */
export async function updateAssetsMetadata(
  db: CatalogDb,
  input: { scope: AssetScope; publicIds: string[]; changes: MetadataChanges },
): Promise<string[]> {
  const updated = await updateAssetsInScope(db, input.scope, input.publicIds)
    .set({ metadata: mergedMetadata(input.changes), updated_at: new Date() })
    .returning('public_id')
    .execute();
  return inRequestOrder(input.publicIds, updated);
}
