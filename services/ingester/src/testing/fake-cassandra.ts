// An in-memory data_record table behind the CQL that platform's DataRecordTable sends, so
// the ingester's unit tests run the real DataRecordStore (its retries with backoff) over
// it. Rows are keyed like Cassandra's primary key; an insert leaves a column bound to
// `unset` as it was (the counted copy's arrival), as Cassandra does. Failures on demand.
import type { CassandraClient } from '@mobilecs/platform';

export interface FakeRow {
  agreementId: string;
  year: number;
  month: number;
  recordedAt: number;
  internalRecordId: string;
  recordedBytes: bigint;
  inputPartition: number | null;
  inputOffset: bigint | null;
  sourceFile: string | null;
  sourceLine: number | null;
}

interface ResultSet {
  rows: { get(name: string): unknown }[];
  first(): { get(name: string): unknown } | null;
  pageState: null;
}

const columns: Record<string, keyof FakeRow> = {
  agreement_id: 'agreementId',
  year: 'year',
  month: 'month',
  recorded_at: 'recordedAt',
  internal_record_id: 'internalRecordId',
  recorded_bytes: 'recordedBytes',
  input_partition: 'inputPartition',
  input_offset: 'inputOffset',
  source_file: 'sourceFile',
  source_line: 'sourceLine',
};

function resultSet(rows: FakeRow[]): ResultSet {
  const wrapped = rows.map((r) => ({
    get: (name: string) => {
      const v = r[columns[name]!];
      return name === 'recorded_at' ? new Date(v as number) : v;
    },
  }));
  return { rows: wrapped, first: () => wrapped[0] ?? null, pageState: null };
}

/** cassandra-driver's `types.unset` (a frozen { unset: true }): the column keeps its value. */
const isUnset = (v: unknown) => typeof v === 'object' && v !== null && (v as { unset?: unknown }).unset === true;

const keyOf = (p: readonly unknown[]) => `${String(p[0])}|${String(p[1])}|${String(p[2])}|${(p[3] as Date).getTime()}|${String(p[4])}`;

export class FakeCassandra {
  private readonly table = new Map<string, FakeRow>();
  private failuresLeft = 0;
  private failure: () => Error = () => new Error('All host(s) tried for query failed (fake Cassandra is down)');
  /** Requests received (failed ones included). */
  requests = 0;
  /** Called before each request is served (e.g. to start a rebalance while a batch is in flight). */
  beforeRequest: (() => void) | undefined;

  /** The next `n` requests fail (reads and writes alike). */
  failNext(n: number, error?: () => Error): void {
    this.failuresLeft = n;
    if (error) this.failure = error;
  }

  rows(): FakeRow[] {
    return [...this.table.values()];
  }

  private check(): void {
    this.requests++;
    this.beforeRequest?.();
    if (this.failuresLeft > 0) {
      this.failuresLeft--;
      throw this.failure();
    }
  }

  private run(cql: string, params: readonly unknown[]): ResultSet {
    const key = keyOf(params);
    if (cql.startsWith('INSERT')) {
      const old = this.table.get(key);
      const keep = <K extends keyof FakeRow>(i: number, col: K): FakeRow[K] => (isUnset(params[i]) ? (old?.[col] ?? null) : params[i]) as FakeRow[K];
      this.table.set(key, {
        agreementId: params[0] as string,
        year: params[1] as number,
        month: params[2] as number,
        recordedAt: (params[3] as Date).getTime(),
        internalRecordId: params[4] as string,
        recordedBytes: params[5] as bigint,
        inputPartition: keep(6, 'inputPartition'),
        inputOffset: keep(7, 'inputOffset'),
        sourceFile: keep(8, 'sourceFile'),
        sourceLine: keep(9, 'sourceLine'),
      });
      return resultSet([]);
    }
    if (cql.startsWith('DELETE')) {
      this.table.delete(key);
      return resultSet([]);
    }
    if (cql.startsWith('SELECT input_partition')) {
      const row = this.table.get(key);
      return resultSet(row ? [row] : []);
    }
    throw new Error(`fake Cassandra does not know: ${cql}`);
  }

  /** The driver's Client as DataRecordTable uses it (execute, batch). */
  client(): CassandraClient {
    const fake = {
      execute: (cql: string, params: unknown[] = []) =>
        Promise.resolve().then(() => {
          this.check();
          return this.run(cql, params);
        }),
      batch: (queries: { query: string; params: unknown[] }[]) =>
        Promise.resolve().then(() => {
          this.check();
          for (const q of queries) this.run(q.query, q.params);
          return resultSet([]);
        }),
    };
    return fake as unknown as CassandraClient;
  }
}
