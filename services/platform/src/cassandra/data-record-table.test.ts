import type { DataRecord } from '@mobilecs/domain';
import { types } from 'cassandra-driver';
import { describe, expect, it } from 'vitest';
import type { CassandraClient } from './client';
import { dataRecordBatches, DataRecordTable, type DataRecordRow } from './data-record-table';

const A = '0b12c601-9287-3f5c-a78c-df508fe0f889';
const B = '8aae90a1-c2e7-33e5-9fab-f8f3e1900906';

function row(agreementId: string, month: number, n: number, arrival?: DataRecordRow['arrival']): DataRecordRow {
  const record: DataRecord = { agreementId, year: 2020, month, recordedAt: Date.UTC(2020, month - 1, 1) + n, internalRecordId: `id-${n}`, recordedBytes: BigInt(n) };
  return arrival ? { record, arrival } : { record };
}

/** Records what the table sends; answers selects from `pages`. */
function fakeClient(pages: { rows: Record<string, unknown>[]; pageState?: string }[] = []) {
  const sent: { kind: 'execute' | 'batch'; query: string; params: unknown[][]; options: Record<string, unknown> }[] = [];
  const client = {
    execute: async (query: string, params: unknown[], options: Record<string, unknown>) => {
      sent.push({ kind: 'execute', query, params: [params], options });
      const page = query.startsWith('SELECT') ? (pages.shift() ?? { rows: [] }) : { rows: [] };
      const rows = page.rows.map((r) => ({ get: (name: string) => r[name] }));
      return { rows, pageState: page.pageState, first: () => rows[0] };
    },
    batch: async (queries: { query: string; params: unknown[] }[], options: Record<string, unknown>) => {
      sent.push({ kind: 'batch', query: queries[0]!.query, params: queries.map((q) => q.params), options });
    },
  };
  return { client: client as unknown as CassandraClient, sent };
}

describe('DataRecordTable', () => {
  it('groups rows by Cassandra partition into chunks of at most batchRows, in the order each chunk began', () => {
    const rows = [row(A, 1, 1), row(B, 1, 2), row(A, 1, 3), row(A, 2, 4), row(A, 1, 5), row(B, 1, 6)];
    const ids = (chunks: DataRecordRow[][]) => chunks.map((c) => c.map((r) => r.record.internalRecordId));
    expect(ids(dataRecordBatches(rows, 2))).toEqual([['id-1', 'id-3'], ['id-2', 'id-6'], ['id-4'], ['id-5']]);
    expect(ids(dataRecordBatches(rows, 1))).toEqual(rows.map((r) => [r.record.internalRecordId]));
  });

  it('writes one prepared idempotent INSERT for a single row, an unlogged batch for several, arrival columns unset when unknown', async () => {
    const { client, sent } = fakeClient();
    const table = new DataRecordTable(client, 'ks');
    const requests: number[] = [];
    await table.insert([row(A, 1, 1, { partition: 3, offset: '9007199254740993', source: { file: 'a.csv', line: 7 } }), row(A, 1, 2, { partition: 3, offset: '5' }), row(B, 1, 3)], {
      batchRows: 10,
      concurrency: 4,
      send: (request) => {
        requests.push(1);
        return request();
      },
    });
    expect(requests).toHaveLength(2);
    expect(sent.map((s) => [s.kind, s.options])).toEqual([
      ['batch', { prepare: true, logged: false, isIdempotent: true }],
      ['execute', { prepare: true, isIdempotent: true }],
    ]);
    expect(sent[0]!.query).toMatch(/^INSERT INTO ks\.data_record \(.*input_partition, input_offset, source_file, source_line\)/);
    expect(sent[0]!.params).toEqual([
      [A, 2020, 1, new Date(Date.UTC(2020, 0, 1) + 1), 'id-1', 1n, 3, 9007199254740993n, 'a.csv', 7],
      [A, 2020, 1, new Date(Date.UTC(2020, 0, 1) + 2), 'id-2', 2n, 3, 5n, types.unset, types.unset],
    ]);
    expect(sent[1]!.params[0]!.slice(6)).toEqual([types.unset, types.unset, types.unset, types.unset]);
  });

  it('reads a billing period page by page and maps rows to DataRecords; sums as varint', async () => {
    const at = new Date('2020-01-02T00:00:00Z');
    const r = { agreement_id: A, year: 2020, month: 1, recorded_at: at, internal_record_id: B, recorded_bytes: 7n };
    const { client, sent } = fakeClient([{ rows: [r], pageState: 'p1' }, { rows: [{ ...r, recorded_bytes: 8n }] }, { rows: [{ total: types.Integer.fromString('18446744073709551614') }] }]);
    const table = new DataRecordTable(client, 'ks');
    const expected: DataRecord = { agreementId: A, year: 2020, month: 1, recordedAt: at.getTime(), internalRecordId: B, recordedBytes: 7n };
    expect(await table.find(A, 2020, 1)).toEqual([expected, { ...expected, recordedBytes: 8n }]);
    expect(sent.map((s) => s.options)).toEqual([{ prepare: true, fetchSize: 5000 }, { prepare: true, fetchSize: 5000, pageState: 'p1' }]);
    expect(await table.totalBytes(A, 2020, 1)).toBe(18446744073709551614n);
    expect(sent[2]!.query).toBe('SELECT sum(CAST(recorded_bytes AS varint)) AS total FROM ks.data_record WHERE agreement_id = ? AND year = ? AND month = ?');
    expect(await table.totalBytes(A, 2020, 2)).toBe(0n);
  });

  it('reads the stored copies by primary key in the order of the keys', async () => {
    const { client } = fakeClient([
      { rows: [{ input_partition: 2, input_offset: 10n, source_file: 'f.csv', source_line: 3 }] },
      { rows: [] },
      { rows: [{ input_partition: null, input_offset: null, source_file: null, source_line: null }] },
    ]);
    const table = new DataRecordTable(client, 'ks');
    const keys = [row(A, 1, 1), row(A, 1, 2), row(A, 1, 3)].map((r) => r.record);
    expect(await table.storedCopies(keys, 1)).toEqual([{ partition: 2, offset: '10', source: { file: 'f.csv', line: 3 } }, null, { partition: null, offset: null }]);
  });

  it('refuses a keyspace that is not a plain identifier', () => {
    expect(() => new DataRecordTable(fakeClient().client, 'ks; DROP TABLE x')).toThrow(RangeError);
  });
});
