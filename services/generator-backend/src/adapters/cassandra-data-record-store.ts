import { DataRecordTable, type CassandraClient, type SendRequest } from '@mobilecs/platform';
import type { DataRecordPages, DataRecordStore, StoredDataRecord } from '../ports';

type Statement = 'select' | 'sum' | 'insert';

/** <keyspace>.data_record through platform's DataRecordTable (prepared statements, bigint as JS bigint). */
export class CassandraDataRecordStore implements DataRecordStore, DataRecordPages {
  private readonly table: DataRecordTable;

  constructor(
    client: CassandraClient,
    keyspace: string,
    private readonly concurrency = 64,
    /** Called once per CQL statement executed (metrics: mobilecs_generator_cassandra_statements_total). */
    private readonly onStatement: (op: Statement) => void = () => undefined,
  ) {
    this.table = new DataRecordTable(client, keyspace);
  }

  private counted(op: Statement): SendRequest {
    return (request) => {
      this.onStatement(op);
      return request();
    };
  }

  async find(agreementId: string, year: number, month: number): Promise<StoredDataRecord[]> {
    return this.table.find(agreementId, year, month, this.counted('select'));
  }

  /** One page, newest first, and the next page's token (see DataRecordTable.findPage). */
  async findPage(agreementId: string, year: number, month: number, limit: number, pageState?: string): Promise<{ records: StoredDataRecord[]; nextPageState: string | null }> {
    return this.table.findPage(agreementId, year, month, limit, pageState, this.counted('select'));
  }

  async totalBytes(agreementId: string, year: number, month: number): Promise<bigint> {
    return this.table.totalBytes(agreementId, year, month, this.counted('sum'));
  }

  /** One prepared INSERT per record (no batches), at most `concurrency` in flight. */
  async upsert(records: readonly StoredDataRecord[]): Promise<void> {
    await this.table.insert(
      records.map((record) => ({ record })),
      { batchRows: 1, concurrency: this.concurrency, send: this.counted('insert') },
    );
  }
}
