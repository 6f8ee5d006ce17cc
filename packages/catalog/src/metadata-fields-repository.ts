import { sql, type ColumnType, type Generated, type RawBuilder, type Transaction } from 'kysely';
import type { CatalogDb } from './connection.ts';
import type { Database, MetadataValue } from './database-schema.ts';
import type { AssetScope } from './asset-records.ts';
import { inRequestOrder, updateAssetsInScope } from './scoped-update.ts';
import { cachedSetting } from './settings-cache.ts';

/**
 * Structured metadata (migrations 0007, 0019): field definitions per cloud and the writes of metadata
 * values onto assets. The `metadata_fields` table is declared here and added with `withTables`,
 * like upload presets, so the shared schema file only gains the `assets.metadata` column. A deleted
 * field's row stays (`deleted_at`) so that re-creating its external_id knows to sweep values that
 * writes typed against the old field may have left behind.
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
  allow_dynamic_list_values: Generated<boolean>;
  created_at: ColumnType<Date, Date | undefined, Date>;
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
  allowDynamicListValues: boolean;
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

const COLUMNS = [
  'cloud_name',
  'external_id',
  'type',
  'label',
  'mandatory',
  'default_value',
  'validation',
  'datasource',
  'allow_dynamic_list_values',
  'position',
] as const;

type Row = {
  cloud_name: string;
  external_id: string;
  type: string;
  label: string;
  mandatory: boolean;
  default_value: unknown;
  validation: unknown;
  datasource: unknown;
  allow_dynamic_list_values: boolean;
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
    allowDynamicListValues: row.allow_dynamic_list_values,
    position: row.position,
  };
}

const jsonOrNull = (value: unknown): string | null => (value === null || value === undefined ? null : JSON.stringify(value));

/** The cloud's live fields, in their order. */
export async function listMetadataFields(db: CatalogDb, cloudName: string): Promise<MetadataFieldRecord[]> {
  const records = await cachedSetting(db, `metadata-fields:${cloudName}`, async () => {
    const rows = await fieldsDb(db)
      .selectFrom('metadata_fields')
      .select(COLUMNS)
      .where('cloud_name', '=', cloudName)
      .where('deleted_at', 'is', null)
      .orderBy('position')
      .orderBy('external_id')
      .execute();
    return Object.freeze(rows.map((row) => Object.freeze(toRecord(row))));
  });
  // The caller's own array (it may sort or filter it); the records are shared and frozen.
  return [...records];
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

type FieldInput = Omit<MetadataFieldRecord, 'position'>;

function definitionColumns(field: Omit<FieldInput, 'cloudName' | 'externalId' | 'type'>) {
  return {
    label: field.label,
    mandatory: field.mandatory,
    default_value: jsonOrNull(field.defaultValue),
    validation: jsonOrNull(field.validation),
    datasource: jsonOrNull(field.datasource),
    allow_dynamic_list_values: field.allowDynamicListValues,
  };
}

function nextPosition(cloudName: string) {
  return sql<number>`(select coalesce(max(position), 0) + 1 from metadata_fields where cloud_name = ${cloudName})`;
}

/** Takes a field's values off every asset of the cloud, and off destroyed ones kept for restore (it would bring them back). */
async function sweepFieldValues(trx: Transaction<Database>, cloudName: string, externalId: string): Promise<void> {
  await trx
    .updateTable('assets')
    .set({ metadata: sql<string>`metadata - ${externalId}::text`, updated_at: new Date() })
    .where('cloud_name', '=', cloudName)
    .where(sql<boolean>`metadata ? ${externalId}::text`)
    .execute();
  await trx
    .updateTable('deleted_assets')
    .set({ metadata: sql<string>`metadata - ${externalId}::text` })
    .where('cloud_name', '=', cloudName)
    .where(sql<boolean>`metadata ? ${externalId}::text`)
    .execute();
}

/**
 * Adds a field at the end of the cloud's order; `exists` when a live field has the external_id. The
 * external_id of a deleted field is free again: its row becomes the new field (new created_at,
 * position at the end), and values that a write typed against the old field may have stored after
 * the delete are swept in the same transaction, so none resurfaces under the new definition.
 */
export async function insertMetadataField(
  db: CatalogDb,
  field: FieldInput,
): Promise<{ kind: 'created'; field: MetadataFieldRecord } | { kind: 'exists' }> {
  return db.transaction().execute(async (trx) => {
    const previous = await fieldsDb(trx)
      .selectFrom('metadata_fields')
      .select('deleted_at')
      .where('cloud_name', '=', field.cloudName)
      .where('external_id', '=', field.externalId)
      .forUpdate()
      .executeTakeFirst();
    if (previous && previous.deleted_at === null) return { kind: 'exists' as const };
    if (previous) {
      const now = new Date();
      const row = await fieldsDb(trx)
        .updateTable('metadata_fields')
        .set({
          type: field.type,
          ...definitionColumns(field),
          position: nextPosition(field.cloudName),
          created_at: now,
          updated_at: now,
          deleted_at: null,
        })
        .where('cloud_name', '=', field.cloudName)
        .where('external_id', '=', field.externalId)
        .returning(COLUMNS)
        .executeTakeFirstOrThrow();
      await sweepFieldValues(trx, field.cloudName, field.externalId);
      return { kind: 'created' as const, field: toRecord(row) };
    }
    const row = await fieldsDb(trx)
      .insertInto('metadata_fields')
      .values({
        cloud_name: field.cloudName,
        external_id: field.externalId,
        type: field.type,
        ...definitionColumns(field),
        position: nextPosition(field.cloudName),
      })
      .onConflict((c) => c.constraint('metadata_fields_pk').doNothing())
      .returning(COLUMNS)
      .executeTakeFirst();
    return row ? { kind: 'created' as const, field: toRecord(row) } : { kind: 'exists' as const };
  });
}

/** Replaces the changeable parts of a live field (label, mandatory, default, validation, datasource, allow_dynamic_list_values). */
export async function updateMetadataField(db: CatalogDb, field: Omit<FieldInput, 'type'>): Promise<MetadataFieldRecord | undefined> {
  const row = await fieldsDb(db)
    .updateTable('metadata_fields')
    .set({ ...definitionColumns(field), updated_at: new Date() })
    .where('cloud_name', '=', field.cloudName)
    .where('external_id', '=', field.externalId)
    .where('deleted_at', 'is', null)
    .returning(COLUMNS)
    .executeTakeFirst();
  return row && toRecord(row);
}

/**
 * Deletes a field: its values leave every asset of the cloud (and the records of destroyed ones) in
 * the same transaction; its row stays as a tombstone until the external_id is used again. False when
 * there was no live field.
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
    await sweepFieldValues(trx, cloudName, externalId);
    return true;
  });
}

/**
 * Appends datasource entries to a live list field, skipping any whose value or external_id an entry
 * already has. One statement per field: under a concurrent append PostgreSQL re-reads the row before
 * computing the new list, so two writers adding the same value leave one entry. Returns the fields as
 * stored afterwards.
 */
export async function appendDatasourceEntries(
  db: CatalogDb,
  cloudName: string,
  additions: Readonly<Record<string, ReadonlyArray<{ external_id: string; value: string }>>>,
): Promise<MetadataFieldRecord[]> {
  const updated: MetadataFieldRecord[] = [];
  for (const [externalId, entries] of Object.entries(additions)) {
    const fresh = JSON.stringify(entries.map((entry) => ({ external_id: entry.external_id, value: entry.value, state: 'active' })));
    const row = await fieldsDb(db)
      .updateTable('metadata_fields')
      .set({
        datasource: sql<string>`jsonb_set(datasource, '{values}', (datasource -> 'values') || (
          select coalesce(jsonb_agg(e.entry order by e.ordinality), '[]'::jsonb)
          from jsonb_array_elements(${fresh}::jsonb) with ordinality as e(entry, ordinality)
          where not exists (
            select 1 from jsonb_array_elements(datasource -> 'values') as d(entry)
            where d.entry ->> 'value' = e.entry ->> 'value'
               or d.entry ->> 'external_id' in (e.entry ->> 'external_id', e.entry ->> 'value')
          )
        ))`,
        updated_at: new Date(),
      })
      .where('cloud_name', '=', cloudName)
      .where('external_id', '=', externalId)
      .where('deleted_at', 'is', null)
      .where('datasource', 'is not', null)
      .returning(COLUMNS)
      .executeTakeFirst();
    if (row) updated.push(toRecord(row));
  }
  return updated;
}

export type MetadataOrderDirection = 'asc' | 'desc';
export type MetadataFieldOrder = 'label' | 'external_id' | 'created_at';

// Text compares case-insensitively, then by code point (COLLATE "C"), so the order does not depend
// on the database's locale; external_id breaks every tie, so the order is total.
const DIRECTION = { asc: sql`asc`, desc: sql`desc` } as const;
const FIELD_ORDER = {
  label: (d: RawBuilder<unknown>) => sql`lower(label) collate "C" ${d}, label collate "C" ${d}, external_id collate "C" ${d}`,
  external_id: (d: RawBuilder<unknown>) => sql`external_id collate "C" ${d}`,
  created_at: (d: RawBuilder<unknown>) => sql`created_at ${d}, external_id collate "C" ${d}`,
} as const;

/** Rewrites the positions of the cloud's live fields (1…n) in the given order; answers the fields in it. */
export async function reorderMetadataFields(
  db: CatalogDb,
  cloudName: string,
  orderBy: MetadataFieldOrder,
  direction: MetadataOrderDirection,
): Promise<MetadataFieldRecord[]> {
  await sql`
    update metadata_fields f set position = o.rank
    from (
      select external_id, row_number() over (order by ${FIELD_ORDER[orderBy](DIRECTION[direction])}) as rank
      from metadata_fields where cloud_name = ${cloudName} and deleted_at is null
    ) o
    where f.cloud_name = ${cloudName} and f.external_id = o.external_id
  `.execute(db);
  return listMetadataFields(db, cloudName);
}

/**
 * Sorts a live list field's datasource entries (inactive ones too) by value, as reorderMetadataFields
 * compares text. Undefined when the field is gone or has no datasource.
 */
export async function orderMetadataDatasource(
  db: CatalogDb,
  cloudName: string,
  externalId: string,
  direction: MetadataOrderDirection,
): Promise<MetadataFieldRecord | undefined> {
  const d = DIRECTION[direction];
  const row = await fieldsDb(db)
    .updateTable('metadata_fields')
    .set({
      datasource: sql<string>`jsonb_set(datasource, '{values}', (
        select coalesce(jsonb_agg(e.entry order by lower(e.entry ->> 'value') collate "C" ${d},
                                  e.entry ->> 'value' collate "C" ${d}, e.entry ->> 'external_id' collate "C" ${d}), '[]'::jsonb)
        from jsonb_array_elements(datasource -> 'values') as e(entry)
      ))`,
      updated_at: new Date(),
    })
    .where('cloud_name', '=', cloudName)
    .where('external_id', '=', externalId)
    .where('deleted_at', 'is', null)
    .where('datasource', 'is not', null)
    .returning(COLUMNS)
    .executeTakeFirst();
  return row && toRecord(row);
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
