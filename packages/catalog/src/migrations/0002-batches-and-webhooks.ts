import { sql, type Kysely } from 'kysely';

/**
 * Batches, the outbox and webhook deliveries. PostgreSQL is the system of record: an unfinished job
 * or delivery row is re-queued by the relay whenever Redis has lost it.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('clouds')
    .addColumn('webhook_secret', 'text')
    .addColumn('notification_urls', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .execute();

  await db.schema
    .createTable('batches')
    .addColumn('batch_id', 'char(64)', (c) => c.primaryKey())
    .addColumn('cloud_name', 'text', (c) => c.notNull().references('clouds.name').onDelete('cascade'))
    .addColumn('api_key', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('pending_jobs', 'integer', (c) => c.notNull())
    .addColumn('notification_urls', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('result', 'jsonb')
    .addColumn('error', 'jsonb')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('completed_at', 'timestamptz')
    .execute();

  await db.schema
    .alterTable('jobs')
    .addColumn('batch_id', 'char(64)', (c) => c.references('batches.batch_id').onDelete('cascade'))
    .addColumn('queue', 'text', (c) => c.notNull().defaultTo('ingest'))
    .execute();
  await db.schema.createIndex('jobs_batch_idx').on('jobs').column('batch_id').execute();

  await db.schema
    .createTable('webhook_deliveries')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('batch_id', 'char(64)', (c) => c.notNull().references('batches.batch_id').onDelete('cascade'))
    .addColumn('cloud_name', 'text', (c) => c.notNull())
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('job_id', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_status', 'integer')
    .addColumn('next_attempt_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('finished_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('webhook_deliveries_batch_idx').on('webhook_deliveries').column('batch_id').execute();
  await db.schema
    .createIndex('webhook_deliveries_unfinished_idx')
    .on('webhook_deliveries')
    .column('next_attempt_at')
    .where(sql.ref('finished_at'), 'is', null)
    .execute();

  await db.schema
    .createTable('webhook_attempts')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('delivery_id', 'text', (c) => c.notNull().references('webhook_deliveries.id').onDelete('cascade'))
    .addColumn('attempted_at', 'timestamptz', (c) => c.notNull())
    .addColumn('status_code', 'integer')
    .addColumn('latency_ms', 'integer', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('error', 'text')
    .execute();
  await db.schema.createIndex('webhook_attempts_delivery_idx').on('webhook_attempts').column('delivery_id').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('webhook_attempts').ifExists().execute();
  await db.schema.dropTable('webhook_deliveries').ifExists().execute();
  await db.schema.alterTable('jobs').dropColumn('batch_id').dropColumn('queue').execute();
  await db.schema.dropTable('batches').ifExists().execute();
  await db.schema.alterTable('clouds').dropColumn('webhook_secret').dropColumn('notification_urls').execute();
}
