// generator-backend against real Kafka and Cassandra, through a real HTTP server on a
// random port: every endpoint of system spec §8; then (issue 13) the limits against the
// real service, and its sequences across restarts of the process.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaAdmin } from '@mobilecs/platform';
import { DataRecordFilesGenerator, formatIncomingRecordLine, loadGeneratorConfig, startServer, type RunningServer } from '@mobilecs/generator-backend';
import { serverEnv, uniqueName } from './support/servers';
import { ServiceProcess } from './support/service-process';
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
    TOPIC_GENERATOR_SEQUENCES: uniqueName('seq'),
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

describe('generator-backend limits against the real service', () => {
  const statements = async () =>
    [...(await get('/metrics')).text.matchAll(/^mobilecs_generator_cassandra_statements_total\{[^}]*\} (\d+)$/gm)].reduce((sum, m) => sum + Number(m[1]), 0);

  it('a 250 KB GraphQL request with 2 300 aliases is refused with a clear error before any Cassandra statement', async () => {
    const one = (i: number) => `a${i}: getTotalDataUsage(agreementId: "${AGREEMENT}", year: 2020, month: 1)`;
    const query = `{ ${Array.from({ length: 2300 }, (_, i) => one(i)).join(' ')} }`;
    const body = JSON.stringify({ query: query + ' '.repeat(250 * 1024 - query.length - 20) });
    expect(body.length).toBeGreaterThan(249 * 1024);
    await get(`/api/data-records/${AGREEMENT}/2020/1/total-data-used`); // at least one statement counted: the metric exists
    const before = await statements();
    expect(before).toBeGreaterThan(0);
    const res = await get('/graphql', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
    expect(res.status, res.text).toBe(400);
    const answer = JSON.parse(res.text) as { errors: { message: string; extensions: { code: string; requestId: string } }[] };
    expect(answer.errors).toHaveLength(1);
    expect(answer.errors[0]).toMatchObject({
      message: 'query refused: it has more than 1000 tokens; simplify the query or raise GENERATOR_GRAPHQL_MAX_TOKENS',
      extensions: { code: 'QUERY_LIMIT_EXCEEDED', requestId: expect.stringMatching(/^[0-9a-f-]{36}$/) as unknown },
    });
    expect(res.text).not.toMatch(/\n\s+at |node_modules|\/work\//);
    // 40 aliases: under the token limit, refused by the alias limit; still no statement.
    const forty = await graphql(`{ ${Array.from({ length: 40 }, (_, i) => one(i)).join(' ')} }`);
    expect(forty.errors?.[0]?.message).toMatch(/^query refused: its aliases \(40\) exceeds the limit of 15/);
    expect(await statements()).toBe(before);
  });

  it('a generate call beyond the line limit is 413 naming GENERATOR_MAX_LINES_PER_CALL, and writes nothing', async () => {
    const before = await readdir(join(dir, 'incoming'));
    const res = await get('/api/incoming-data-records/generate?count=1000&months=24');
    expect(res.status, res.text).toBe(413);
    expect(JSON.parse(res.text)).toMatchObject({ code: 'too-many-lines', message: expect.stringContaining('GENERATOR_MAX_LINES_PER_CALL') as unknown });
    expect(await readdir(join(dir, 'incoming'))).toEqual(before);
  });
});

describe('generator-backend sequences survive restarts of the process (a child process, real Kafka)', () => {
  const home = { dir: '' };
  const sequencesTopic = uniqueName('seq');
  const agreementsTopic = uniqueName('agreements');
  const processes: ServiceProcess[] = [];
  const env = (): Record<string, string> => ({
    ...serverEnv(),
    HTTP_PORT: '0',
    INCOMING_DATA_RECORDS_DIR: join(home.dir, 'incoming'),
    CASSANDRA_KEYSPACE: uniqueName('genrs'),
    TOPIC_PARTITIONS: '3',
    TOPIC_AGREEMENTS: agreementsTopic,
    TOPIC_INCOMING_DATA_RECORDS: uniqueName('idr'),
    TOPIC_DATA_RECORDS_AGGREGATES: uniqueName('agg'),
    TOPIC_DEAD_LETTERS: uniqueName('dlq'),
    TOPIC_DATA_RECORDS_LATE: uniqueName('late'),
    TOPIC_GENERATOR_SEQUENCES: sequencesTopic,
  });
  let fixedEnv: Record<string, string>;

  beforeAll(async () => {
    home.dir = await mkdtemp(join(tmpdir(), 'gen-restart-'));
    fixedEnv = env();
  });
  afterAll(async () => {
    await Promise.all(processes.map((p) => p.kill('SIGKILL')));
    await rm(home.dir, { recursive: true, force: true });
  });

  const start = async (): Promise<{ p: ServiceProcess; port: number }> => {
    const p = new ServiceProcess('generator-backend', 'services/generator-backend/src/main.ts', fixedEnv);
    processes.push(p);
    const line = await p.waitForLog(/"msg":"generator-backend listening"/, 120_000);
    return { p, port: (JSON.parse(line) as { port: number }).port };
  };
  const call = async (port: number, path: string) => {
    const res = await fetch(`http://127.0.0.1:${port}${path}`);
    return { status: res.status, text: await res.text() };
  };
  const files = async () => (await readdir(join(home.dir, 'incoming'))).filter((f) => f.startsWith('idr_')).sort();

  it('agreement 2 and February\'s file after a restart (SIGTERM), agreement 3 and March after a SIGKILL; the files call is 200, never 409', { timeout: 240_000 }, async () => {
    // What one process living through all the calls would have written.
    const continuous = DataRecordFilesGenerator.create();
    const expected = [1, 2, 3].map(() => {
      const f = continuous.next(1, 1);
      return { name: f.fileName, content: f.records.map((r) => `${formatIncomingRecordLine(r)}\n`).join('') };
    });

    const first = await start();
    expect((await call(first.port, '/api/agreements/generate')).text).toContain(AGREEMENT);
    expect(await call(first.port, '/api/incoming-data-records/generate')).toEqual({ status: 200, text: 'MSISDNs generated: 48917846822' });
    expect(await files()).toEqual([FIXTURE_FILE]);
    expect(await first.p.kill('SIGTERM')).toBe(0);

    const second = await start();
    expect(second.p.lines.some((l) => /"msg":"generator sequences loaded"/.test(l) && l.includes('"restored":["agreements","files"]')), second.p.tail()).toBe(true);
    expect((await call(second.port, '/api/agreements/generate')).text).toBe(
      'Total number of generated agreements: 1\nAgreements generated in order: 98519208-a495-3964-81c2-b693eeba892f',
    );
    const feb = await call(second.port, '/api/incoming-data-records/generate');
    expect(feb, feb.text).toEqual({ status: 200, text: 'MSISDNs generated: 48917846822' });
    expect(await files()).toEqual([expected[0]!.name, expected[1]!.name]);
    expect(expected[1]!.name).toMatch(/^idr_001_2020-02-02_/);
    await second.p.kill('SIGKILL'); // the sequences were stored before the answer

    const third = await start();
    expect((await call(third.port, '/api/agreements/generate')).text).toContain('32022ad0-d0e0-3145-8112-8c5e4f15caec');
    expect((await call(third.port, '/api/incoming-data-records/generate')).status).toBe(200);
    expect(await files()).toEqual(expected.map((e) => e.name));
    for (const e of expected) expect(await readFile(join(home.dir, 'incoming', e.name), 'utf8')).toBe(e.content);

    // Three different agreements on the topic, none twice.
    const published = await readTopic(testServers().kafka, agreementsTopic, { expected: 3, readCommitted: true, waitMs: 10_000, lingerMs: 1000 });
    expect(published.map((m) => (JSON.parse(m.value?.toString('utf8') ?? '{}') as { id: string }).id)).toEqual([
      AGREEMENT,
      '98519208-a495-3964-81c2-b693eeba892f',
      '32022ad0-d0e0-3145-8112-8c5e4f15caec',
    ]);
    // The sequences topic is compacted: the latest value per key is what matters.
    const admin = await KafkaAdmin.connect(testServers().kafka);
    try {
      expect(await admin.topicConfig(sequencesTopic)).toMatchObject({ 'cleanup.policy': 'compact' });
      expect(await admin.partitionCount(sequencesTopic)).toBe(1);
    } finally {
      await admin.disconnect();
    }
  });
});

describe('two generator-backend replicas on one sequences topic (in-process, real Kafka)', () => {
  it('calls alternating between them hand out agreements 1, 2, 3, 4 once each: a replica that was fenced reads the topic again', { timeout: 120_000 }, async () => {
    const home = await mkdtemp(join(tmpdir(), 'gen-replicas-'));
    const agreements = uniqueName('agreements');
    const config = loadGeneratorConfig({
      ...serverEnv(),
      HTTP_PORT: '0',
      INCOMING_DATA_RECORDS_DIR: join(home, 'incoming'),
      CASSANDRA_KEYSPACE: uniqueName('genrep'),
      TOPIC_PARTITIONS: '3',
      TOPIC_AGREEMENTS: agreements,
      TOPIC_INCOMING_DATA_RECORDS: uniqueName('idr'),
      TOPIC_DATA_RECORDS_AGGREGATES: uniqueName('agg'),
      TOPIC_DEAD_LETTERS: uniqueName('dlq'),
      TOPIC_DATA_RECORDS_LATE: uniqueName('late'),
      TOPIC_GENERATOR_SEQUENCES: uniqueName('seq'),
    });
    const a = await startServer(config, pino({ level: 'silent' }));
    const b = await startServer(config, pino({ level: 'silent' }));
    try {
      const call = async (s: RunningServer, path: string) => {
        const res = await fetch(`${s.url}${path}`);
        expect(res.status).toBe(200);
        return res.text();
      };
      const ids: string[] = [];
      for (const s of [a, b, a, b]) ids.push(/order: (\S+)$/.exec(await call(s, '/api/agreements/generate'))?.[1] ?? '');
      expect(ids).toEqual([AGREEMENT, '98519208-a495-3964-81c2-b693eeba892f', '32022ad0-d0e0-3145-8112-8c5e4f15caec', expect.stringMatching(/^[0-9a-f-]{36}$/)]);
      expect(new Set(ids).size).toBe(4);
      // The files of both go into one folder with one counter: 000 then 001, no 409.
      await call(b, '/api/incoming-data-records/generate');
      await call(a, '/api/incoming-data-records/generate');
      expect((await readdir(join(home, 'incoming'))).sort().map((f) => f.slice(0, 19))).toEqual(['idr_000_2020-01-02_', 'idr_001_2020-02-02_']);
      const published = await readTopic(testServers().kafka, agreements, { expected: 4, readCommitted: true, waitMs: 10_000, lingerMs: 500 });
      expect(published.map((m) => (JSON.parse(m.value?.toString('utf8') ?? '{}') as { id: string }).id)).toEqual(ids);
    } finally {
      await a.stop();
      await b.stop();
      await rm(home, { recursive: true, force: true });
    }
  });
});
