import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import type { DataRecord } from '@mobilecs/domain';
import { createCassandraClient, DataRecordTable, ensureSchema, type CassandraClient, type DataRecordRow } from '@mobilecs/platform';
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
    const table = new DataRecordTable(client, keyspace);
    const agreementId = '0b12c601-9287-3f5c-a78c-df508fe0f889';
    const record = (at: string, internalRecordId: string, recordedBytes: bigint): DataRecord => ({
      agreementId,
      year: 2020,
      month: 1,
      recordedAt: Date.parse(at),
      internalRecordId,
      recordedBytes,
    });
    const rows = [
      record('2020-01-02T00:00:00+01:00', '8aae90a1-c2e7-33e5-9fab-f8f3e1900906', 825_012_938n),
      record('2020-01-03T00:00:00+01:00', 'd368ad26-f79c-32d4-bf23-e9306ba5e302', 9_007_199_254_740_993n),
    ];
    for (const r of rows) {
      await table.insert([{ record: r }], { batchRows: 1, concurrency: 1 });
    }
    // Same primary key again: an upsert, not a second row.
    await table.insert([{ record: rows[0]! }], { batchRows: 1, concurrency: 1 });
    const found = await table.find(agreementId, 2020, 1);
    expect(found.map((r) => [new Date(r.recordedAt).toISOString(), r.internalRecordId, r.recordedBytes])).toEqual([
      ['2020-01-02T23:00:00.000Z', 'd368ad26-f79c-32d4-bf23-e9306ba5e302', 9_007_199_254_740_993n],
      ['2020-01-01T23:00:00.000Z', '8aae90a1-c2e7-33e5-9fab-f8f3e1900906', 825_012_938n],
    ]);
    expect(found).toEqual([rows[1], rows[0]]);
  });

  it('keeps where a row arrived, batches rows of a partition, sums exactly past 2^63 and deletes by key', async () => {
    const table = new DataRecordTable(client, keyspace);
    const agreementId = '5d0f3c5e-94b5-4d43-9a55-8f9b0f1f2a11';
    const max = 9_223_372_036_854_775_807n; // 2^63 − 1: the bigint column's largest value
    const rows = Array.from({ length: 5 }, (_, i): DataRecordRow => ({
      record: { agreementId, year: 2021, month: 3, recordedAt: Date.UTC(2021, 2, 1 + i), internalRecordId: randomUUID(), recordedBytes: max },
      ...(i < 4 ? { arrival: { partition: i, offset: String(2n ** 40n + BigInt(i)), ...(i % 2 === 0 ? { source: { file: `f${i}.csv`, line: i + 1 } } : {}) } } : {}),
    }));
    const requests: number[] = [];
    await table.insert(rows, {
      batchRows: 2,
      concurrency: 2,
      send: (request) => {
        requests.push(1);
        return request();
      },
    });
    expect(requests).toHaveLength(3); // 5 rows of one partition, 2 a batch
    expect(await table.totalBytes(agreementId, 2021, 3)).toBe(5n * max);
    expect(await table.totalBytes(agreementId, 2021, 4)).toBe(0n);
    expect(await table.storedCopies(rows.map((r) => r.record), 3)).toEqual([
      { partition: 0, offset: String(2n ** 40n), source: { file: 'f0.csv', line: 1 } },
      { partition: 1, offset: String(2n ** 40n + 1n) },
      { partition: 2, offset: String(2n ** 40n + 2n), source: { file: 'f2.csv', line: 3 } },
      { partition: 3, offset: String(2n ** 40n + 3n) },
      { partition: null, offset: null },
    ]);
    // A write that does not know the arrival leaves the stored one as it was (unset, not null).
    await table.insert([{ record: rows[0]!.record }], { batchRows: 10, concurrency: 1 });
    expect((await table.storedCopies([rows[0]!.record], 1))[0]).toEqual({ partition: 0, offset: String(2n ** 40n), source: { file: 'f0.csv', line: 1 } });
    await table.deleteAll([rows[0]!.record, rows[1]!.record]);
    expect(await table.storedCopies([rows[0]!.record, rows[1]!.record, rows[2]!.record], 2)).toEqual([
      null,
      null,
      { partition: 2, offset: String(2n ** 40n + 2n), source: { file: 'f2.csv', line: 3 } },
    ]);
    expect((await table.find(agreementId, 2021, 3)).map((r) => r.internalRecordId)).toEqual(rows.slice(2).reverse().map((r) => r.record.internalRecordId));
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
