import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCassandraClient, ensureSchema, type CassandraClient } from '@mobilecs/platform';
import { testServers, uniqueName } from '../support/servers';

describe('the Cassandra schema of mobilecs.data_record in real Cassandra', () => {
  const keyspace = uniqueName('mobilecs_test');
  let client: CassandraClient;
  beforeAll(async () => {
    client = createCassandraClient(testServers().cassandra);
    await client.connect();
    await ensureSchema(client, { keyspace, replication: { class: 'SimpleStrategy', replication_factor: 1 } });
  });
  afterAll(async () => {
    await client.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`);
    await client.shutdown();
  });

  it('is created idempotently', async () => {
    await ensureSchema(client, { keyspace, replication: { class: 'SimpleStrategy', replication_factor: 1 } });
    const rs = await client.execute('SELECT column_name, type, kind FROM system_schema.columns WHERE keyspace_name = ? AND table_name = ?', [keyspace, 'data_record']);
    const columns = Object.fromEntries(rs.rows.map((r) => [r.get('column_name') as string, `${r.get('type') as string}/${r.get('kind') as string}`]));
    expect(columns).toEqual({
      agreement_id: 'uuid/partition_key',
      year: 'smallint/partition_key',
      month: 'tinyint/partition_key',
      recorded_at: 'timestamp/clustering',
      internal_record_id: 'uuid/clustering',
      recorded_bytes: 'bigint/regular',
      input_partition: 'int/regular',
      input_offset: 'bigint/regular',
      source_file: 'text/regular',
      source_line: 'int/regular',
    });
  });

  it('writes and reads data records newest first, with exact 64-bit byte counts, upserting on the same key', async () => {
    const agreementId = '0b12c601-9287-3f5c-a78c-df508fe0f889';
    const insert = `INSERT INTO ${keyspace}.data_record (agreement_id, year, month, recorded_at, internal_record_id, recorded_bytes) VALUES (?, ?, ?, ?, ?, ?)`;
    const rows = [
      [new Date('2020-01-02T00:00:00+01:00'), '8aae90a1-c2e7-33e5-9fab-f8f3e1900906', 825_012_938n],
      [new Date('2020-01-03T00:00:00+01:00'), 'd368ad26-f79c-32d4-bf23-e9306ba5e302', 9_007_199_254_740_993n],
    ] as const;
    for (const [at, id, bytes] of rows) {
      await client.execute(insert, [agreementId, 2020, 1, at, id, bytes], { prepare: true });
    }
    // Same primary key again: an upsert, not a second row.
    await client.execute(insert, [agreementId, 2020, 1, rows[0][0], rows[0][1], rows[0][2]], { prepare: true });
    const rs = await client.execute(`SELECT recorded_at, internal_record_id, recorded_bytes FROM ${keyspace}.data_record WHERE agreement_id = ? AND year = ? AND month = ?`, [agreementId, 2020, 1], { prepare: true });
    expect(rs.rows.map((r) => [(r.get('recorded_at') as Date).toISOString(), String(r.get('internal_record_id')), r.get('recorded_bytes') as bigint])).toEqual([
      ['2020-01-02T23:00:00.000Z', 'd368ad26-f79c-32d4-bf23-e9306ba5e302', 9_007_199_254_740_993n],
      ['2020-01-01T23:00:00.000Z', '8aae90a1-c2e7-33e5-9fab-f8f3e1900906', 825_012_938n],
    ]);
  });

  it('a table created before rows named their arrival gains those columns, its rows kept', async () => {
    const old = uniqueName('mobilecs_old');
    await client.execute(`CREATE KEYSPACE ${old} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`);
    try {
      await client.execute(
        `CREATE TABLE ${old}.data_record (agreement_id uuid, year smallint, month tinyint, recorded_at timestamp, internal_record_id uuid, recorded_bytes bigint, ` +
          'PRIMARY KEY ((agreement_id, year, month), recorded_at, internal_record_id)) WITH CLUSTERING ORDER BY (recorded_at DESC)',
      );
      const id = '0b12c601-9287-3f5c-a78c-df508fe0f889';
      await client.execute(`INSERT INTO ${old}.data_record (agreement_id, year, month, recorded_at, internal_record_id, recorded_bytes) VALUES (?, 2020, 1, ?, ?, 5)`, [id, new Date(0), id], { prepare: true });
      await ensureSchema(client, { keyspace: old, replication: { class: 'SimpleStrategy', replication_factor: 1 } });
      const rs = await client.execute(`SELECT recorded_bytes, input_partition, input_offset FROM ${old}.data_record WHERE agreement_id = ? AND year = 2020 AND month = 1`, [id], { prepare: true });
      expect(rs.rows.map((r) => [r.get('recorded_bytes') as bigint, r.get('input_partition') as unknown, r.get('input_offset') as unknown])).toEqual([[5n, null, null]]);
    } finally {
      await client.execute(`DROP KEYSPACE IF EXISTS ${old}`);
    }
  });
});
