import type { CassandraClient } from '@mobilecs/platform';
import type { DataRecordStore, StoredDataRecord } from '../ports';

interface Row {
  get(name: string): unknown;
}

function toBigInt(v: unknown): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') return BigInt(v);
  if (v === null || v === undefined) return 0n;
  return BigInt((v as { toString(): string }).toString()); // a driver Long or Integer (varint)
}

/** <keyspace>.data_record through the cassandra-driver (prepared statements, bigint as JS bigint). */
export class CassandraDataRecordStore implements DataRecordStore {
  private readonly selectCql: string;
  private readonly sumCql: string;
  private readonly upsertCql: string;

  constructor(
    private readonly client: CassandraClient,
    keyspace: string,
    private readonly concurrency = 64,
    /** Called once per CQL statement executed (metrics: mobilecs_generator_cassandra_statements_total). */
    private readonly onStatement: (op: 'select' | 'sum' | 'insert') => void = () => undefined,
  ) {
    if (!/^[a-z][a-z0-9_]{0,47}$/.test(keyspace)) throw new RangeError(`invalid keyspace "${keyspace}"`);
    const table = `${keyspace}.data_record`;
    this.selectCql =
      `SELECT agreement_id, year, month, recorded_at, internal_record_id, recorded_bytes FROM ${table} ` +
      'WHERE agreement_id = ? AND year = ? AND month = ?';
    // Summed as varint (arbitrary precision) in Cassandra: sum() over the bigint column would
    // wrap around silently past 2^63 − 1 (Java long arithmetic); a varint sum is exact.
    this.sumCql = `SELECT sum(CAST(recorded_bytes AS varint)) AS total FROM ${table} WHERE agreement_id = ? AND year = ? AND month = ?`;
    this.upsertCql =
      `INSERT INTO ${table} (agreement_id, year, month, recorded_at, internal_record_id, recorded_bytes) VALUES (?, ?, ?, ?, ?, ?)`;
  }

  async find(agreementId: string, year: number, month: number): Promise<StoredDataRecord[]> {
    const out: StoredDataRecord[] = [];
    // Clustering order is recorded_at DESC: rows come newest first, page by page.
    let pageState: string | undefined;
    do {
      this.onStatement('select');
      const rs = await this.client.execute(this.selectCql, [agreementId, year, month], {
        prepare: true,
        fetchSize: 5000,
        ...(pageState ? { pageState } : {}),
      });
      for (const row of rs.rows as Row[]) {
        out.push({
          agreementId: String(row.get('agreement_id')),
          year: Number(row.get('year')),
          month: Number(row.get('month')),
          recordedAt: (row.get('recorded_at') as Date).getTime(),
          internalRecordId: String(row.get('internal_record_id')),
          recordedBytes: toBigInt(row.get('recorded_bytes')),
        });
      }
      pageState = rs.pageState ?? undefined;
    } while (pageState);
    return out;
  }

  async totalBytes(agreementId: string, year: number, month: number): Promise<bigint> {
    this.onStatement('sum');
    const rs = await this.client.execute(this.sumCql, [agreementId, year, month], { prepare: true });
    return toBigInt(rs.first()?.get('total'));
  }

  async upsert(records: readonly StoredDataRecord[]): Promise<void> {
    let next = 0;
    const worker = async () => {
      while (next < records.length) {
        const r = records[next++] as StoredDataRecord;
        this.onStatement('insert');
        await this.client.execute(
          this.upsertCql,
          [r.agreementId, r.year, r.month, new Date(r.recordedAt), r.internalRecordId, r.recordedBytes],
          { prepare: true },
        );
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, records.length) }, worker));
  }
}
