import cassandra from 'cassandra-driver';
import { PlatformError } from '../errors';
import { retry } from '../retry';

export interface CassandraConnection {
  /** host or host:port list, e.g. ['127.0.0.1:9042']. */
  contactPoints: string[];
  localDataCenter: string;
  keyspace?: string;
}

export class CassandraUnavailableError extends PlatformError {
  readonly code = 'CASSANDRA_UNAVAILABLE';
  readonly retriable = true;
  constructor(readonly contactPoints: string[], override readonly cause?: unknown) {
    super(`Cassandra is not reachable at ${contactPoints.join(',')}: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = 'CassandraUnavailableError';
  }
}

export type CassandraClient = cassandra.Client;

export function createCassandraClient(conn: CassandraConnection): CassandraClient {
  return new cassandra.Client({
    contactPoints: conn.contactPoints,
    localDataCenter: conn.localDataCenter,
    ...(conn.keyspace ? { keyspace: conn.keyspace } : {}),
    encoding: { useBigIntAsLong: true },
    socketOptions: { connectTimeout: 5000, readTimeout: 12_000 },
  });
}

/** One readiness probe: the node answers CQL. Returns the server's release version. */
export async function probeCassandra(conn: CassandraConnection): Promise<string> {
  const client = createCassandraClient({ contactPoints: conn.contactPoints, localDataCenter: conn.localDataCenter });
  try {
    await client.connect();
    const rs = await client.execute('SELECT release_version FROM system.local');
    return String(rs.first()?.get('release_version'));
  } catch (err) {
    throw new CassandraUnavailableError(conn.contactPoints, err);
  } finally {
    await client.shutdown().catch(() => undefined);
  }
}

export async function waitForCassandra(conn: CassandraConnection, timeoutMs = 120_000, signal?: AbortSignal): Promise<string> {
  // Every failure is worth another probe until the time is up (the last error is thrown then).
  return retry(() => probeCassandra(conn), { what: 'Cassandra', initialDelayMs: 1000, maxDelayMs: 1000, timeoutMs, shouldRetry: () => true, ...(signal ? { signal } : {}) });
}
