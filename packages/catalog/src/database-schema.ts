import type { ColumnType, Generated, JSONColumnType } from 'kysely';
import type { AccessControlEntry } from '@rendition/protocol';

/** A structured metadata value: string and date fields hold text, integer a number, set a list of datasource ids. */
export type MetadataValue = string | number | string[];

/** Table shapes as Kysely sees them; migrations in ./migrations are the source of truth. */
export interface CloudsTable {
  name: string;
  created_at: Generated<Date>;
  webhook_secret: string | null;
  notification_urls: ColumnType<string[], string[] | undefined, string[]>;
  strict_transformations: Generated<boolean>;
  /** Backups on by default (0008): overwrite and destroy keep the replaced versions. */
  backups: Generated<boolean>;
  /** Hosts fetch delivery may fetch from, normalized (0021); empty: any host. */
  allowed_fetch_domains: ColumnType<string[], string[] | undefined, string[]>;
  /** Hex HMAC key of the cloud's `__cld_token__` delivery tokens (0022); null: no tokens. */
  auth_token_key: string | null;
  /** The cloud's own rate limits (0023, rate-limits-repository.ts); null: the global setting, 0: none. */
  rate_limit_admin_per_hour: number | null;
  rate_limit_uploads_per_minute: number | null;
  rate_limit_uploads_per_hour: number | null;
  rate_limit_upload_concurrency: number | null;
}

export interface DerivedTable {
  asset_id: string;
  version_id: string;
  transformation_hash: string;
  format: string;
  transformation: string;
  storage_key: string;
  content_type: string;
  bytes: ColumnType<number, number, number>;
  width: number | null;
  height: number | null;
  etag: string;
  created_at: Generated<Date>;
}

export interface NamedTransformationsTable {
  cloud_name: string;
  name: string;
  transformation: string;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
  /** 0024: may build derivatives unsigned under strict transformations. */
  allowed_for_strict: Generated<boolean>;
  /** 0024: the definition's output extension ('' when it ends with `/`), null when it names none. */
  extension: string | null;
}

/** `allowed_for_strict` of an implicit transformation: its canonical text within a cloud (0024). */
export interface TransformationSettingsTable {
  cloud_name: string;
  transformation: string;
  allowed_for_strict: boolean;
  updated_at: Generated<Date>;
}

export interface BatchesTable {
  batch_id: string;
  cloud_name: string;
  api_key: string;
  kind: string;
  status: string;
  pending_jobs: number;
  notification_urls: ColumnType<string[], string[] | undefined, string[]>;
  eager_async: Generated<boolean>;
  eager_notification_urls: ColumnType<string[], string[] | undefined, string[]>;
  result: JSONColumnType<Record<string, unknown>> | null;
  error: JSONColumnType<{ status: number; message: string }> | null;
  created_at: Generated<Date>;
  completed_at: Date | null;
}

export interface WebhookDeliveriesTable {
  id: string;
  batch_id: string;
  cloud_name: string;
  url: string;
  body: string;
  status: string;
  job_id: string;
  attempts: Generated<number>;
  last_status: number | null;
  next_attempt_at: Generated<Date>;
  created_at: Generated<Date>;
  finished_at: Date | null;
}

export interface WebhookAttemptsTable {
  id: Generated<string>;
  delivery_id: string;
  attempted_at: Date;
  status_code: number | null;
  latency_ms: number;
  outcome: string;
  error: string | null;
}

export interface ApiKeysTable {
  api_key: string;
  cloud_name: string;
  api_secret: string;
  created_at: Generated<Date>;
}

export interface AssetsTable {
  asset_id: string;
  cloud_name: string;
  resource_type: string;
  type: string;
  public_id: string;
  version: number;
  version_id: string;
  format: string | null;
  width: number | null;
  height: number | null;
  pages: number | null;
  bytes: ColumnType<number, number, number>;
  etag: string;
  content_type: string;
  storage_key: string;
  tags: ColumnType<string[], string[], string[]>;
  context: JSONColumnType<Record<string, string>>;
  /** Structured metadata values by field external_id (migration 0007). */
  metadata: JSONColumnType<Record<string, MetadataValue>>;
  asset_folder: string;
  display_name: string;
  original_filename: string | null;
  access_mode: string;
  created_at: Date;
  updated_at: Generated<Date>;
  /** The current version's `info` (migration 0011); null when there is none. */
  info: ColumnType<Record<string, unknown> | null, string | null | undefined, string | null>;
  /** What ffprobe measured of a video/audio version, in wire form (migration 0012); null for images and raw. */
  media: ColumnType<Record<string, unknown> | null, string | null | undefined, string | null>;
  /** The current version's moderation entries in wire form (migration 0014); null when it was not moderated. */
  moderation: ColumnType<ModerationEntryRow[] | null, string | null | undefined, string | null>;
  /** Overall: `rejected` when an entry is, `pending` while one is pending or queued, else `approved` (0014). */
  moderation_status: ColumnType<string | null, string | null | undefined, string | null>;
  /** The upload's notification_url, notified of every later decision (0014). */
  moderation_notification_url: ColumnType<string | null, string | null | undefined, string | null>;
  /** The Admin API update's access_control list (0018); null when unrestricted. */
  access_control: ColumnType<AccessControlEntry[] | null, string | null | undefined, string | null>;
  /** The Admin API update's quality_override (0018). */
  quality_override: ColumnType<string | null, string | null | undefined, string | null>;
  /** The version's face and custom regions, `[[x, y, w, h], …]` (0027); null when none were given. */
  face_coordinates: ColumnType<Array<[number, number, number, number]> | null, string | null | undefined, string | null>;
  custom_coordinates: ColumnType<Array<[number, number, number, number]> | null, string | null | undefined, string | null>;
  /** The version's cinemagraph score, 0..1 (0027); null when it was never computed. */
  cinemagraph_score: ColumnType<number | null, number | null | undefined, number | null>;
  /** The version's `image_metadata` map as read at ingest (0027); null for other resource types and older rows. */
  image_metadata: ColumnType<Record<string, string> | null, string | null | undefined, string | null>;
}

/** One moderation entry as stored and answered: `{kind, status, response?, updated_at?}`. */
export interface ModerationEntryRow {
  kind: string;
  status: string;
  response?: Record<string, unknown>;
  updated_at?: string;
}

export interface AssetVersionsTable {
  version_id: string;
  asset_id: string;
  version: number;
  storage_key: string;
  bytes: ColumnType<number, number, number>;
  etag: string;
  format: string | null;
  created_at: Generated<Date>;
  content_type: string | null;
  width: number | null;
  height: number | null;
  pages: number | null;
  /** Uploaded with `backup=true`: kept on overwrite/destroy whatever the cloud's default. */
  backup: Generated<boolean>;
  /** As assets.media (migration 0012). */
  media: ColumnType<Record<string, unknown> | null, string | null | undefined, string | null>;
}

/** The identity and descriptive fields of a destroyed asset whose backed-up versions were kept (0008). */
export interface DeletedAssetsTable {
  asset_id: string;
  cloud_name: string;
  resource_type: string;
  type: string;
  public_id: string;
  tags: ColumnType<string[], string[], string[]>;
  context: JSONColumnType<Record<string, string>>;
  metadata: JSONColumnType<Record<string, MetadataValue>>;
  asset_folder: string;
  display_name: string;
  original_filename: string | null;
  access_mode: string;
  created_at: Date;
  deleted_at: Generated<Date>;
}

export interface JobsTable {
  id: string;
  cloud_name: string;
  batch_id: string | null;
  queue: Generated<string>;
  kind: string;
  status: string;
  payload: JSONColumnType<Record<string, unknown>>;
  result: JSONColumnType<Record<string, unknown>> | null;
  error: JSONColumnType<{ status: number; message: string }> | null;
  attempts: Generated<number>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
  finished_at: Date | null;
  /** 0..100 while a long job (a transcode) runs (migration 0012); null when the job does not report it. */
  progress: ColumnType<number | null, number | null | undefined, number | null>;
  /** A small upload's bytes held in its outbox row (migration 0031; startIngest reads them); null for any other job. */
  inline_data: ColumnType<Buffer | null, Buffer | null | undefined, Buffer | null>;
}

export interface Database {
  clouds: CloudsTable;
  api_keys: ApiKeysTable;
  assets: AssetsTable;
  image_hashes: ImageHashesTable;
  asset_versions: AssetVersionsTable;
  jobs: JobsTable;
  batches: BatchesTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_attempts: WebhookAttemptsTable;
  derived: DerivedTable;
  named_transformations: NamedTransformationsTable;
  transformation_settings: TransformationSettingsTable;
  deleted_assets: DeletedAssetsTable;
  large_uploads: LargeUploadsTable;
  large_upload_parts: LargeUploadPartsTable;
  streaming_profiles: StreamingProfilesTable;
  fetch_origins: FetchOriginsTable;
}

/** One fetched remote URL of a cloud (0021, docs/fetch-delivery.md); its asset is (cloud, image, fetch, url). */
export interface FetchOriginsTable {
  /** sha256 hex of the cloud name and the URL. */
  fetch_key: string;
  cloud_name: string;
  url: string;
  /** The asset version the freshness below is about; null before the first fetch succeeds. */
  version_id: string | null;
  expires_at: Date | null;
  origin_etag: string | null;
  origin_last_modified: string | null;
  lease_token: string | null;
  lease_until: Date | null;
  failed_at: Date | null;
  failure_status: number | null;
  failure_message: string | null;
  failure_until: Date | null;
  updated_at: Generated<Date>;
}

/** Chunked uploads in progress (0010); bigint columns are parsed as numbers (connection.ts). */
export interface LargeUploadsTable {
  cloud_name: string;
  upload_id: string;
  session_id: string;
  resource_type: string;
  driver_state: string | null;
  total_bytes: number | null;
  total_parts: number | null;
  bytes_received: Generated<number>;
  completing: Generated<boolean>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface LargeUploadPartsTable {
  session_id: string;
  part_number: number;
  start_byte: number | null;
  end_byte: number | null;
  size: number;
  md5: string;
  etag: string | null;
  stored: Generated<boolean>;
}

/** The duplicate-detection index (0014): a 64-bit perceptual hash per image, and its four 16-bit chunks. */
export interface ImageHashesTable {
  asset_id: string;
  cloud_name: string;
  /** The hash as a signed 64-bit integer (its bits as written, two's complement). */
  hash: ColumnType<string, string | bigint, string | bigint>;
  chunk0: number;
  chunk1: number;
  chunk2: number;
  chunk3: number;
  created_at: Generated<Date>;
}

/** Custom streaming profiles and overrides of predefined ones (0013), per cloud. */
export interface StreamingProfilesTable {
  cloud_name: string;
  name: string;
  display_name: string | null;
  /** One canonical transformation string per rendition, in order. */
  representations: ColumnType<string[], string, string>;
  created_at: Generated<Date>;
  updated_at: ColumnType<Date, Date | undefined, Date>;
}
