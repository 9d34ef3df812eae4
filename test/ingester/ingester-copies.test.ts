// Count each record once, however often it arrives (issue 18), on real Kafka, Cassandra,
// an ingester process and generator-backend's REST total: overlapping files, a copied
// file with one line changed, copies after the plan was exceeded, and a SIGKILL between
// the Cassandra write and the transaction with copies in flight. Each case checks the
// aggregates, the Cassandra rows and the REST total against the distinct records.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { internalRecordId } from '@mobilecs/domain';
import { loadGeneratorConfig, startServer, type RunningServer } from '@mobilecs/generator-backend';
import { KafkaAdmin, ensureTopics, type IncomingMessage, type OutgoingMessage } from '@mobilecs/platform';
import { serverEnv, testServers, uniqueName } from '../support/servers';
import { IngesterHarness } from './ingester-harness';

type Json = Record<string, unknown>;
const parse = (m: IncomingMessage): Json => JSON.parse(m.value?.toString('utf8') ?? 'null') as Json;

interface Line {
  externalId: string;
  recordedAt: string;
  bytes: number;
}

function msisdnOn(h: IngesterHarness, partition: number): string {
  for (let n = 48_610_000_000; ; n++) if (h.partitionOf(String(n)) === partition) return String(n);
}

function agreement(h: IngesterHarness, msisdn: string, maxBytes: number): { id: string; message: OutgoingMessage } {
  const id = randomUUID();
  const value = JSON.stringify({ id, msisdn, signedAt: '2019-12-01T00:00:00Z', serviceStartAt: '2019-12-15T00:00:00Z', billingPeriodTimeZone: 'UTC', maxBytesInBillingPeriod: maxBytes });
  return { id, message: { topic: h.topics.agreements, key: msisdn, value } };
}

/** The record of a file line as the importer publishes it: deterministic internal id, file and line. */
function imported(h: IngesterHarness, msisdn: string, l: Line, file: string, line: number): OutgoingMessage {
  const recordedAt = Date.parse(l.recordedAt);
  const internalId = internalRecordId({ externalId: l.externalId, recordedAt, msisdn, recordedBytes: BigInt(l.bytes) });
  const value = JSON.stringify({ externalId: l.externalId, recordedAt: l.recordedAt, msisdn, recordedBytes: l.bytes, internalId, source: { file, line } });
  return { topic: h.topics.incomingDataRecords, key: msisdn, value, timestamp: recordedAt };
}

const fileOf = (h: IngesterHarness, msisdn: string, lines: Line[], file: string) => lines.map((l, i) => imported(h, msisdn, l, file, i + 1));

function lines(count: number, from: string, stepHours: number, bytes: (i: number) => number): Line[] {
  return Array.from({ length: count }, (_, i) => ({
    externalId: randomUUID(),
    recordedAt: new Date(Date.parse(from) + i * stepHours * 3_600_000).toISOString(),
    bytes: bytes(i),
  }));
}

describe('each record counted once, however often it arrives (real Kafka + Cassandra)', () => {
  let h: IngesterHarness | undefined;
  let rest: RunningServer | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    await rest?.stop();
    await h?.cleanUp();
    if (dir) await rm(dir, { recursive: true, force: true });
    h = undefined;
    rest = undefined;
    dir = undefined;
  });

  async function setUp(env: Record<string, string> = {}): Promise<IngesterHarness> {
    h = new IngesterHarness(3, env);
    await h.createTopics();
    await h.start();
    dir = await mkdtemp(join(tmpdir(), 'copies-'));
    const config = loadGeneratorConfig({
      ...serverEnv(),
      HTTP_PORT: '0',
      INCOMING_DATA_RECORDS_DIR: join(dir, 'incoming'),
      CASSANDRA_KEYSPACE: h.keyspace,
      TOPIC_PARTITIONS: '3',
      TOPIC_AGREEMENTS: h.topics.agreements,
      TOPIC_INCOMING_DATA_RECORDS: h.topics.incomingDataRecords,
      TOPIC_DATA_RECORDS_AGGREGATES: h.topics.dataRecordsAggregates,
      TOPIC_DEAD_LETTERS: h.topics.deadLetters,
      TOPIC_DATA_RECORDS_LATE: h.topics.dataRecordsLate,
      TOPIC_GENERATOR_SEQUENCES: uniqueName('seq'),
      LOG_LEVEL: 'silent',
    });
    rest = await startServer(config, pino({ level: 'silent' }));
    return h;
  }

  async function restTotal(agreementId: string, month: number): Promise<bigint> {
    const res = await fetch(`${rest!.url}/api/data-records/${agreementId}/2020/${month}/total-data-used`);
    const text = await res.text();
    expect(res.status, text).toBe(200);
    return BigInt(/^(\d+) B/.exec(text)![1]!);
  }

  async function rows(agreementId: string, month: number): Promise<{ bytes: number; file: string | null; line: number | null }[]> {
    const c = await h!.cassandra();
    try {
      const rs = await c.execute(`SELECT recorded_bytes, source_file, source_line FROM ${h!.keyspace}.data_record WHERE agreement_id = ? AND year = 2020 AND month = ?`, [agreementId, month], { prepare: true });
      return rs.rows.map((r) => ({ bytes: Number(r.get('recorded_bytes')), file: r.get('source_file') as string | null, line: r.get('source_line') as number | null }));
    } finally {
      await c.shutdown();
    }
  }

  const sum = (ls: Line[]) => ls.reduce((s, l) => s + l.bytes, 0);
  const byType = (ms: IncomingMessage[]) => ms.map(parse).map((a) => [a.type, a.month, a.totalRecordedBytes]);

  it('two overlapping files (half of the second repeats the first), then a copy of a file with one line changed', async () => {
    const h = await setUp();
    const m = msisdnOn(h, 1);
    const a = agreement(h, m, 1_000_000);
    await h.send([a.message]);
    const first = lines(10, '2020-01-02T00:00:00Z', 12, (i) => 100 + i);
    const second = [...first.slice(5), ...lines(5, '2020-01-07T00:00:00Z', 12, (i) => 1000 + i)];
    await h.send(fileOf(h, m, first, 'a.csv'));
    await h.send(fileOf(h, m, second, 'b.csv'));
    // c.csv: a copy of a.csv with line 3's bytes edited, a different record.
    const edited = first.map((l, i) => (i === 2 ? { ...l, bytes: 9999 } : l));
    await h.send(fileOf(h, m, edited, 'c.csv'));
    await h.send([imported(h, m, { externalId: randomUUID(), recordedAt: '2020-02-01T10:00:00Z', bytes: 1 }, 'd.csv', 1)]); // closes January

    const distinct = [...first, ...second.slice(5), edited[2]!];
    const aggregates = await h.aggregates(1);
    expect(byType(aggregates)).toEqual([['BILLING_PERIOD_CLOSED', 1, sum(distinct)]]);
    expect(await h.waitForMetric('ingester_records_duplicate_total', 14)).toBe(14);
    const stored = await rows(a.id, 1);
    expect(stored.map((r) => r.bytes).sort((x, y) => x - y)).toEqual(distinct.map((l) => l.bytes).sort((x, y) => x - y));
    // Each row keeps the source of the copy that was counted.
    expect(stored.filter((r) => r.file === 'a.csv')).toHaveLength(10);
    expect(stored.find((r) => r.bytes === 9999)).toMatchObject({ file: 'c.csv', line: 3 });
    expect(await restTotal(a.id, 1)).toBe(BigInt(sum(distinct)));

    // Each copy is reported with both sources.
    const letters = (await h.read('deadLetters', 14)).map(parse);
    expect(letters.every((l) => l.reason === 'duplicate-record')).toBe(true);
    const fromB = letters.find((l) => (l.source as Json).file === 'b.csv' && (l.source as Json).line === 1)!;
    expect(fromB.first).toMatchObject({ file: 'a.csv', line: 6, partition: 1 });
    expect(String(fromB.message)).toContain('a.csv:6');
  });

  it('copies after the plan was exceeded: no second DATA_PLAN_EXCEEDED, the closed total of the distinct records', async () => {
    const h = await setUp();
    const m = msisdnOn(h, 2);
    const a = agreement(h, m, 1000);
    await h.send([a.message]);
    const ls = lines(6, '2020-01-03T00:00:00Z', 24, () => 300);
    await h.send(fileOf(h, m, ls.slice(0, 4), 'a.csv')); // 1200: exceeded at the 4th
    await h.send(fileOf(h, m, ls, 'a-again.csv')); // 4 copies, 2 new
    await h.send([imported(h, m, { externalId: randomUUID(), recordedAt: '2020-02-01T10:00:00Z', bytes: 1 }, 'd.csv', 1)]);
    expect(byType(await h.aggregates(2))).toEqual([
      ['DATA_PLAN_EXCEEDED', 1, 1200],
      ['BILLING_PERIOD_CLOSED', 1, 1800],
    ]);
    expect(await h.metric('ingester_records_duplicate_total')).toBe(4);
    expect((await rows(a.id, 1)).map((r) => r.bytes)).toEqual([300, 300, 300, 300, 300, 300]);
    expect(await restTotal(a.id, 1)).toBe(1800n);
  });

  it('SIGKILL between the Cassandra write and the transaction, with copies in flight: the replay counts its own rows, not the copies', async () => {
    const h = await setUp({ INGESTER_STALL_AFTER_MS: '2000' });
    const m = msisdnOn(h, 0);
    const a = agreement(h, m, 1000);
    await h.send([a.message]);
    const base = { externalId: randomUUID(), recordedAt: '2020-01-20T00:00:00Z', bytes: 100 };
    await h.send(fileOf(h, m, [base], 'a.csv'));
    await h.waitForMetric('ingester_records_matched_total', 1);

    // No aggregates topic: the transaction of the batch that crosses the plan cannot commit,
    // after its rows were written.
    const admin = await KafkaAdmin.connect(testServers().kafka);
    await admin.deleteTopics([h.topics.dataRecordsAggregates]);
    const early = { externalId: randomUUID(), recordedAt: '2020-01-05T00:00:00Z', bytes: 300 }; // out of order: decided by the store
    const crossing = { externalId: randomUUID(), recordedAt: '2020-01-21T00:00:00Z', bytes: 700 };
    await h.send([...fileOf(h, m, [early, early, crossing], 'b.csv'), ...fileOf(h, m, [base], 'b-copy.csv')]);
    const deadline = Date.now() + 60_000;
    while ((await rows(a.id, 1)).length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect((await rows(a.id, 1)).map((r) => r.bytes).sort((x, y) => x - y)).toEqual([100, 300, 700]);
    await h.processes[0]!.kill('SIGKILL');

    await ensureTopics(testServers().kafka, { names: h.topics, inputPartitions: 3, outputPartitions: 3, replicationFactor: 1 });
    await admin.disconnect();
    await h.start();
    await h.send(fileOf(h, m, [{ externalId: randomUUID(), recordedAt: '2020-02-01T10:00:00Z', bytes: 1 }], 'c.csv'));
    expect(byType(await h.aggregates(2, 90_000))).toEqual([
      ['DATA_PLAN_EXCEEDED', 1, 1100],
      ['BILLING_PERIOD_CLOSED', 1, 1100],
    ]);
    expect(await h.metric('ingester_records_duplicate_total', {}, h.processes[1])).toBe(2);
    expect((await rows(a.id, 1)).map((r) => r.bytes).sort((x, y) => x - y)).toEqual([100, 300, 700]);
    expect(await restTotal(a.id, 1)).toBe(1100n);
  });
});
