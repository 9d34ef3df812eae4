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

/** The statements of system spec §7, idempotent (IF NOT EXISTS). */
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
      PRIMARY KEY ((agreement_id, year, month), recorded_at, internal_record_id)
    ) WITH CLUSTERING ORDER BY (recorded_at DESC)`,
  ];
}

/** Creates the keyspace and table if missing; safe to run on every start of every service. */
export async function ensureSchema(client: CassandraClient, opts: SchemaOptions): Promise<void> {
  for (const cql of schemaStatements(opts)) {
    await client.execute(cql);
  }
}
