import type { CassandraClient } from './client';

export interface SchemaOptions {
  keyspace: string;
  /** CQL replication map, e.g. {class: 'SimpleStrategy', replication_factor: 1}. */
  replication: Record<string, string | number>;
}

const identifier = /^[a-z][a-z0-9_]{0,47}$/;

function replicationLiteral(r: Record<string, string | number>): string {
  return `{${Object.entries(r)
    .map(([k, v]) => `'${k.replace(/'/g, "''")}': '${String(v).replace(/'/g, "''")}'`)
    .join(', ')}}`;
}

/** The statements of system spec §7 (plus the arrival of each row), idempotent (IF NOT EXISTS). */
export function schemaStatements(opts: SchemaOptions): string[] {
  if (!identifier.test(opts.keyspace)) {
    throw new Error(`invalid keyspace name "${opts.keyspace}": use lower-case letters, digits and _ (max 48)`);
  }
  return [
    `CREATE KEYSPACE IF NOT EXISTS ${opts.keyspace} WITH replication = ${replicationLiteral(opts.replication)}`,
    `CREATE TABLE IF NOT EXISTS ${opts.keyspace}.data_record (
      agreement_id uuid,
      year smallint,
      month tinyint,
      recorded_at timestamp,
      internal_record_id uuid,
      recorded_bytes bigint,
      input_partition int,
      input_offset bigint,
      source_file text,
      source_line int,
      PRIMARY KEY ((agreement_id, year, month), recorded_at, internal_record_id)
    ) WITH CLUSTERING ORDER BY (recorded_at DESC)`,
    // Where the counted copy of a record arrived (issue 18): a later copy of the record is
    // told from the ingester replaying its own uncommitted write by these. Added to tables
    // created before them; the original's columns and queries are unchanged.
    `ALTER TABLE ${opts.keyspace}.data_record ADD IF NOT EXISTS (input_partition int, input_offset bigint, source_file text, source_line int)`,
  ];
}

/** Creates the keyspace and table if missing; safe to run on every start of every service. */
export async function ensureSchema(client: CassandraClient, opts: SchemaOptions): Promise<void> {
  for (const cql of schemaStatements(opts)) {
    await client.execute(cql);
  }
}
