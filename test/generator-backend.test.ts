// generator-backend against real Kafka and Cassandra, through a real HTTP server on a
// random port: every endpoint of system spec §8.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadGeneratorConfig, startServer, type RunningServer } from '@mobilecs/generator-backend';
import { serverEnv, uniqueName } from './support/servers';
import { readTopic } from './support/topic-reader';
import { testServers } from './support/servers';

const FIXTURES = new URL('../services/generator-backend/src/__fixtures__/', import.meta.url);
const FIXTURE_FILE = 'idr_000_2020-01-02_1349856c-14bb-33a0-ae31-b3df49201961.csv';
const AGREEMENT = '0b12c601-9287-3f5c-a78c-df508fe0f889';

let server: RunningServer;
let dir: string;
const topic = uniqueName('agreements');
const keyspace = uniqueName('gen');

async function get(path: string, init?: RequestInit): Promise<{ status: number; text: string; type: string | null }> {
  const res = await fetch(`${server.url}${path}`, init);
  return { status: res.status, text: await res.text(), type: res.headers.get('content-type') };
}

const putJson = (path: string, body: unknown) =>
  get(path, { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });

const graphql = async (query: string, variables?: unknown) => {
  const r = await get('/graphql', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ query, variables }) });
  return JSON.parse(r.text) as { data?: Record<string, unknown>; errors?: { message: string }[] };
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gen-it-'));
  const config = loadGeneratorConfig({
    ...serverEnv(),
    HTTP_PORT: '0',
    INCOMING_DATA_RECORDS_DIR: join(dir, 'incoming'),
    CASSANDRA_KEYSPACE: keyspace,
    TOPIC_PARTITIONS: '3',
    TOPIC_AGREEMENTS: topic,
    TOPIC_INCOMING_DATA_RECORDS: uniqueName('idr'),
    TOPIC_DATA_RECORDS_AGGREGATES: uniqueName('agg'),
    TOPIC_DEAD_LETTERS: uniqueName('dlq'),
    TOPIC_DATA_RECORDS_LATE: uniqueName('late'),
    LOG_LEVEL: 'silent',
  });
  server = await startServer(config, pino({ level: 'silent' }));
});

afterAll(async () => {
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('generator-backend on real Kafka and Cassandra', () => {
  it('first agreements call publishes exactly the fixture agreement (key msisdn, timestamp signedAt), acked before the answer', async () => {
    const res = await get('/api/agreements/generate');
    expect(res.status).toBe(200);
    expect(res.text).toBe(`Total number of generated agreements: 1\nAgreements generated in order: ${AGREEMENT}`);
    const messages = await readTopic(testServers().kafka, topic, { expected: 1, readCommitted: true });
    expect(messages).toHaveLength(1);
    const expected = (await readFile(new URL('agreements.jsonl', FIXTURES), 'utf8')).trim();
    const m = messages[0]!;
    expect(m.value?.toString('utf8')).toBe(expected);
    expect(m.key).toBe('48917846822');
    expect(m.timestamp).toBe(Date.parse('2019-12-20T00:00:00+01:00'));
  });

  it('first files call writes the fixture file byte for byte under the same name', async () => {
    const res = await get('/api/incoming-data-records/generate');
    expect(res.status).toBe(200);
    expect(res.text).toBe('MSISDNs generated: 48917846822');
    const incoming = join(dir, 'incoming');
    expect(await readdir(incoming)).toEqual([FIXTURE_FILE]);
    const expected = await readFile(new URL(FIXTURE_FILE, FIXTURES));
    expect((await readFile(join(incoming, FIXTURE_FILE))).equals(expected)).toBe(true);
  });

  it('PUT then REST and GraphQL reads, exact beyond 2^32', async () => {
    const id = '11111111-2222-3333-8444-555555555555';
    const body = { recordedAt: '2020-01-01T23:00:00.000+00:00', internalRecordId: '82b6a30a-b659-3a4d-85f7-2771b6f69f56', recordedBytes: 5_368_709_121 };
    const put = await putJson(`/api/data-records/${id}`, body);
    expect(put.status).toBe(200);
    const stored = {
      key: { agreementId: id, year: 2020, month: 1, recordedAt: '2020-01-01T23:00:00.000Z', internalRecordId: body.internalRecordId },
      recordedBytes: 5_368_709_121,
    };
    expect(JSON.parse(put.text)).toEqual(stored);
    await putJson(`/api/data-records/${id}`, { ...body, recordedAt: '2020-01-05T00:00+01:00[Europe/Warsaw]', recordedBytes: '4294967296' });
    const list = await get(`/api/data-records/${id}/2020/01`);
    expect(list.status).toBe(200);
    expect(JSON.parse(list.text)).toEqual([
      { key: { ...stored.key, recordedAt: '2020-01-04T23:00:00.000Z' }, recordedBytes: 4_294_967_296 },
      stored,
    ]);
    const total = await get(`/api/data-records/${id}/2020/1/total-data-used`);
    expect(total.text).toBe('9663676417 B\n9437184 KB\n9216 MB\n9 GB');
    const gql = await graphql(`{ findDataRecords(agreementId: "${id}", year: 2020, month: 1) { key { recordedAt internalRecordId } recordedBytes } }`);
    expect(gql.data?.findDataRecords).toEqual([
      { key: { recordedAt: '2020-01-04T23:00:00.000Z', internalRecordId: body.internalRecordId }, recordedBytes: 4_294_967_296 },
      { key: { recordedAt: '2020-01-01T23:00:00.000Z', internalRecordId: body.internalRecordId }, recordedBytes: 5_368_709_121 },
    ]);
    const gqlTotal = await graphql(`{ getTotalDataUsage(agreementId: "${id}", year: 2020, month: 1) }`);
    expect(gqlTotal.data?.getTotalDataUsage).toBe('9663676417 B\n9437184 KB\n9216 MB\n9 GB');
  });

  it('byte counts up to 2^63 − 1 round-trip exactly as JSON numbers; a total past 2^63 − 1 stays exact (varint sum, not CQL bigint arithmetic)', async () => {
    const id = '11111111-2222-3333-8444-666666666666';
    const max = '9223372036854775807';
    const put = await putJson(`/api/data-records/${id}`, `{"recordedAt":"2020-01-01T23:00:00.000+00:00","internalRecordId":"82b6a30a-b659-3a4d-85f7-2771b6f69f56","recordedBytes":${max}}`);
    expect(put.status).toBe(200);
    expect(put.text).toContain(`"recordedBytes":${max}}`);
    await putJson(`/api/data-records/${id}`, { recordedAt: '2020-01-02T23:00:00.000+00:00', internalRecordId: '82b6a30a-b659-3a4d-85f7-2771b6f69f56', recordedBytes: 1 });
    expect((await get(`/api/data-records/${id}/2020/1`)).text).toContain(`"recordedBytes":${max}}`);
    // Cassandra's sum(bigint) would wrap to −9223372036854775808 here.
    expect((await get(`/api/data-records/${id}/2020/1/total-data-used`)).text).toBe('9223372036854775808 B\n9007199254740992 KB\n8796093022208 MB\n8589934592 GB');
    const tooBig = await putJson(`/api/data-records/${id}`, `{"recordedAt":"2020-01-03T23:00:00Z","internalRecordId":"82b6a30a-b659-3a4d-85f7-2771b6f69f56","recordedBytes":9223372036854775808}`);
    expect(tooBig.status).toBe(400);
    expect(tooBig.text).toContain('must not exceed 9223372036854775807 (2^63 − 1)');
  });

  it('GraphQL upsertDataRecord mutation (the original README example)', async () => {
    const id = '22222222-2222-3333-8444-555555555555';
    const res = await graphql(
      `mutation upsertDataRecord($agreementId: String!, $upsertRequest: DataRecordUpsertRequest!) {
        upsertDataRecord(agreementId: $agreementId, upsertRequest: $upsertRequest) { key { agreementId year month recordedAt internalRecordId } recordedBytes } }`,
      { agreementId: id, upsertRequest: { recordedAt: '2020-01-31T23:00:00.000+00:00', internalRecordId: '82b6a30a-b659-3a4d-85f7-2771b6f69f56', recordedBytes: 123456 } },
    );
    expect(res.data?.upsertDataRecord).toEqual({
      key: { agreementId: id, year: 2020, month: 2, recordedAt: '2020-01-31T23:00:00.000Z', internalRecordId: '82b6a30a-b659-3a4d-85f7-2771b6f69f56' },
      recordedBytes: 123456,
    });
    expect(JSON.parse((await get(`/api/data-records/${id}/2020/2`)).text)).toHaveLength(1);
  });

  it('/api/data-records/generate writes into Cassandra; reads and totals follow', async () => {
    const res = await get('/api/data-records/generate');
    expect(res.status).toBe(200);
    expect(res.text).toBe(`Total number of generated records: 31\nAgreements generated in order: ${AGREEMENT}`);
    const jan = JSON.parse((await get(`/api/data-records/${AGREEMENT}/2020/1`)).text) as { key: { recordedAt: string; internalRecordId: string } }[];
    expect(jan).toHaveLength(30);
    expect(jan.at(-1)?.key).toMatchObject({ recordedAt: '2020-01-01T23:00:00.000Z', internalRecordId: '82b6a30a-b659-3a4d-85f7-2771b6f69f56' });
    expect(jan[0]?.key.recordedAt).toBe('2020-01-30T23:00:00.000Z');
    const feb = JSON.parse((await get(`/api/data-records/${AGREEMENT}/2020/2`)).text) as unknown[];
    expect(feb).toHaveLength(1);
    const total = await get(`/api/data-records/${AGREEMENT}/2020/1/total-data-used`);
    expect(total.text).toMatch(/^\d+ B\n\d+ KB\n\d+ MB\n0 GB$/);
    // the next call continues in time (from 2 February), as the original did
    await get('/api/data-records/generate');
    expect(JSON.parse((await get(`/api/data-records/${AGREEMENT}/2020/2`)).text)).toHaveLength(29);
  });

  it('bad requests get 400 with a clear message and write nothing', async () => {
    const id = '33333333-2222-3333-8444-555555555555';
    const cases: [Promise<{ status: number; text: string }>, RegExp][] = [
      [get('/api/agreements/generate?count=0'), /count/],
      [get('/api/incoming-data-records/generate?months=x'), /months/],
      [get('/api/data-records/generate?count=1.5'), /count/],
      [get('/api/data-records/not-a-uuid/2020/1'), /not a UUID/],
      [get(`/api/data-records/${id}/2020/13`), /month/],
      [putJson(`/api/data-records/${id}`, { recordedAt: '2020-01-01T23:00:00Z', internalRecordId: '82b6a30a-b659-3a4d-85f7-2771b6f69f56', recordedBytes: -1 }), /negative/],
      [putJson(`/api/data-records/${id}`, '{"recordedAt": '), /malformed JSON/],
    ];
    for (const [response, message] of cases) {
      const r = await response;
      expect(r.status, r.text).toBe(400);
      expect((JSON.parse(r.text) as { message: string }).message).toMatch(message);
    }
    expect(JSON.parse((await get(`/api/data-records/${id}/2020/1`)).text)).toEqual([]);
    expect(await readdir(join(dir, 'incoming'))).toEqual([FIXTURE_FILE]);
    const messages = await readTopic(testServers().kafka, topic, { expected: 2, waitMs: 3000, lingerMs: 500 });
    expect(messages).toHaveLength(1);
  });

  it('health and metrics', async () => {
    expect((await get('/health/live')).status).toBe(200);
    const ready = await get('/health/ready');
    expect(ready.status, ready.text).toBe(200);
    expect(JSON.parse(ready.text)).toMatchObject({ status: 'UP', checks: { kafka: { status: 'UP' }, cassandra: { status: 'UP' } } });
    const metrics = await get('/metrics');
    expect(metrics.text).toContain('mobilecs_generator_generated_total{kind="agreement",service="generator-backend"} 1');
    expect(metrics.text).toContain('mobilecs_generator_generated_total{kind="file_line",service="generator-backend"} 31');
  });
});
