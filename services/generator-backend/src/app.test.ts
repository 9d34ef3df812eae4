// The HTTP layer over in-memory ports and a real temporary folder. Kafka and Cassandra
// themselves are covered by test/generator-backend.test.ts against real servers.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Agreement } from '@mobilecs/domain';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FsIncomingFolder } from './adapters/fs-incoming-folder';
import { createApp, type AppDeps } from './app';
import type { DataRecordStore, StoredDataRecord } from './ports';

const FIXTURE_FILE = 'idr_000_2020-01-02_1349856c-14bb-33a0-ae31-b3df49201961.csv';
const AGREEMENT = '0b12c601-9287-3f5c-a78c-df508fe0f889';

class MemoryStore implements DataRecordStore {
  rows = new Map<string, StoredDataRecord>();
  async find(agreementId: string, year: number, month: number) {
    return [...this.rows.values()]
      .filter((r) => r.agreementId === agreementId && r.year === year && r.month === month)
      .sort((a, b) => b.recordedAt - a.recordedAt);
  }
  async totalBytes(agreementId: string, year: number, month: number) {
    return (await this.find(agreementId, year, month)).reduce((s, r) => s + r.recordedBytes, 0n);
  }
  async upsert(records: readonly StoredDataRecord[]) {
    for (const r of records) this.rows.set(`${r.agreementId}/${r.year}/${r.month}/${r.recordedAt}/${r.internalRecordId}`, r);
  }
}

let dir: string;
let published: Agreement[][];
let failPublish: boolean;
let store: MemoryStore;

function build(overrides: Partial<AppDeps> = {}) {
  return createApp({
    publisher: {
      publish: async (batch) => {
        if (failPublish) throw new Error('broker down');
        published.push([...batch]);
      },
    },
    folder: new FsIncomingFolder(dir),
    store,
    logger: pino({ level: 'silent' }),
    registry: new Registry(),
    readinessChecks: [],
    limits: { defaultCount: 1, defaultMonths: 1, maxCount: 100, maxMonths: 24, maxLinesPerCall: 200_000 },
    billingPeriodTimeZone: 'Europe/Warsaw',
    clock: () => Date.parse('2024-05-01T12:00:00Z'),
    ...overrides,
  }).app;
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gen-app-'));
  published = [];
  failPublish = false;
  store = new MemoryStore();
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('generate endpoints', () => {
  it('agreements: the original text, and a failed publish changes nothing', async () => {
    const app = build();
    failPublish = true;
    const failed = await request(app).get('/api/agreements/generate');
    expect(failed.status).toBe(503);
    // The answer names the dependency and the error's class; the cause's text stays in the log.
    expect(failed.body).toMatchObject({ status: 503, code: 'dependency-unavailable', message: 'Kafka unavailable (Error)' });
    expect(failed.text).not.toContain('broker down');
    failPublish = false;
    const res = await request(app).get('/api/agreements/generate');
    expect(res.status).toBe(200);
    expect(res.type).toBe('text/plain');
    expect(res.text).toBe('Total number of generated agreements: 1\nAgreements generated in order: 0b12c601-9287-3f5c-a78c-df508fe0f889');
    const two = await request(app).get('/api/agreements/generate?count=2');
    expect(two.text).toBe(
      'Total number of generated agreements: 2\nAgreements generated in order: 98519208-a495-3964-81c2-b693eeba892f, 32022ad0-d0e0-3145-8112-8c5e4f15caec',
    );
    expect(published.flat().map((a) => a.msisdn)).toEqual(['48917846822', '48417390110', '48111501311']);
  });

  it('files: writes the fixture file (tmp then rename) and answers MSISDNs generated', async () => {
    const res = await request(build()).get('/api/incoming-data-records/generate');
    expect(res.status).toBe(200);
    expect(res.text).toBe('MSISDNs generated: 48917846822');
    expect(await readdir(dir)).toEqual([FIXTURE_FILE]);
    const expected = await readFile(new URL(`./__fixtures__/${FIXTURE_FILE}`, import.meta.url));
    expect((await readFile(join(dir, FIXTURE_FILE))).equals(expected)).toBe(true);
  });

  it('files: a different file already under the name is a 409 and nothing changes', async () => {
    const { writeFile } = await import('node:fs/promises');
    await writeFile(join(dir, FIXTURE_FILE), 'something else\n');
    const app = build();
    const res = await request(app).get('/api/incoming-data-records/generate');
    expect(res.status).toBe(409);
    expect(await readdir(dir)).toEqual([FIXTURE_FILE]);
  });

  it('direct data records: stored with the billing period of the zone', async () => {
    const res = await request(build()).get('/api/data-records/generate');
    expect(res.status).toBe(200);
    expect(res.text).toBe(`Total number of generated records: 31\nAgreements generated in order: ${AGREEMENT}`);
    const jan = await store.find(AGREEMENT, 2020, 1);
    expect(jan).toHaveLength(30); // 2–31 January; 1 February 00:00 local belongs to February
    expect(await store.find(AGREEMENT, 2020, 2)).toHaveLength(1);
  });

  it.each([
    '/api/agreements/generate?count=0',
    '/api/agreements/generate?count=abc',
    '/api/agreements/generate?count=101',
    '/api/agreements/generate?count=1&count=2',
    '/api/incoming-data-records/generate?months=0',
    '/api/incoming-data-records/generate?count=-1',
    '/api/data-records/generate?months=25',
  ])('400 and nothing written for %s', async (url) => {
    const res = await request(build()).get(url);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ status: 400, error: 'Bad Request', timestamp: '2024-05-01T12:00:00.000Z' });
    expect((res.body as { message: string }).message).toMatch(/query parameter (count|months)=.* must be an integer from 1 to/);
    expect(published).toEqual([]);
    expect(await readdir(dir)).toEqual([]);
    expect(store.rows.size).toBe(0);
  });
});

describe('data-record reads and upserts', () => {
  const body = { recordedAt: '2020-01-01T23:00:00.000+00:00', internalRecordId: '82b6a30a-b659-3a4d-85f7-2771b6f69f56', recordedBytes: 123456 };

  it('PUT returns the stored record; GET lists it; total-data-used sums it', async () => {
    const app = build();
    const put = await request(app).put(`/api/data-records/${AGREEMENT}`).send(body);
    expect(put.status).toBe(200);
    const record = {
      key: { agreementId: AGREEMENT, year: 2020, month: 1, recordedAt: '2020-01-01T23:00:00.000Z', internalRecordId: body.internalRecordId },
      recordedBytes: 123456,
    };
    expect(put.body).toEqual(record);
    expect((await request(app).get(`/api/data-records/${AGREEMENT}/2020/01`)).body).toEqual([record]);
    expect((await request(app).get(`/api/data-records/${AGREEMENT}/2020/1/total-data-used`)).text).toBe('123456 B\n121 KB\n0 MB\n0 GB');
  });

  it('byte counts beyond 2^32 stay exact in REST and GraphQL', async () => {
    const app = build();
    await request(app).put(`/api/data-records/${AGREEMENT}`).send({ ...body, recordedBytes: '9007199254740991' }).expect(200);
    const rest = await request(app).get(`/api/data-records/${AGREEMENT}/2020/1`);
    expect(rest.text).toContain('"recordedBytes":9007199254740991');
    const query = { query: `{ findDataRecords(agreementId: "${AGREEMENT}", year: 2020, month: 1) { recordedBytes } }` };
    expect((await request(app).post('/graphql').send(query)).text).toBe('{"data":{"findDataRecords":[{"recordedBytes":9007199254740991}]}}');
    // Beyond 2^53, up to 2^63 − 1: a JSON number in the PUT body, parsed exactly.
    store.rows.clear();
    const put = await request(app)
      .put(`/api/data-records/${AGREEMENT}`)
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ ...body, recordedBytes: 0 }).replace('"recordedBytes":0', '"recordedBytes":9223372036854775807'))
      .expect(200);
    expect(put.text).toContain('"recordedBytes":9223372036854775807}');
    expect((await request(app).get(`/api/data-records/${AGREEMENT}/2020/1`)).text).toContain('"recordedBytes":9223372036854775807}');
    expect((await request(app).post('/graphql').send(query)).text).toBe('{"data":{"findDataRecords":[{"recordedBytes":"9223372036854775807"}]}}');
    expect((await request(app).get(`/api/data-records/${AGREEMENT}/2020/1/total-data-used`)).text).toMatch(/^9223372036854775807 B\n/);
    // GraphQL variables are parsed exactly too.
    const mutation = `mutation($r: DataRecordUpsertRequest!) { upsertDataRecord(agreementId: "${AGREEMENT}", upsertRequest: $r) { recordedBytes } }`;
    const up = await request(app)
      .post('/graphql')
      .set('Content-Type', 'application/json')
      .send(`{"query":${JSON.stringify(mutation)},"variables":{"r":{"recordedAt":"2020-01-02T23:00:00Z","internalRecordId":"${body.internalRecordId}","recordedBytes":9007199254740993}}}`);
    expect(up.text).toBe('{"data":{"upsertDataRecord":{"recordedBytes":"9007199254740993"}}}');
    const tooBig = await request(app).put(`/api/data-records/${AGREEMENT}`).send({ ...body, recordedBytes: '9223372036854775808' });
    expect(tooBig.status).toBe(400);
    expect((tooBig.body as { message: string }).message).toContain('must not exceed 9223372036854775807 (2^63 − 1)');
  });

  it.each([
    ['not-a-uuid', body, /agreementId "not-a-uuid" is not a UUID/],
    [AGREEMENT, { ...body, recordedBytes: -5 }, /recordedBytes: must not be negative/],
    [AGREEMENT, { ...body, internalRecordId: 'x' }, /internalRecordId/],
  ])('PUT %s %j → 400, nothing written', async (id, b, message) => {
    const res = await request(build()).put(`/api/data-records/${id}`).send(b);
    expect(res.status).toBe(400);
    expect((res.body as { message: string }).message).toMatch(message);
    expect(store.rows.size).toBe(0);
  });

  it('malformed JSON → 400', async () => {
    const res = await request(build()).put(`/api/data-records/${AGREEMENT}`).set('Content-Type', 'application/json').send('{"recordedAt":');
    expect(res.status).toBe(400);
    expect((res.body as { message: string }).message).toMatch(/malformed JSON/);
  });

  it('GET with month 13 or a bad id → 400', async () => {
    expect((await request(build()).get(`/api/data-records/${AGREEMENT}/2020/13`)).status).toBe(400);
    expect((await request(build()).get(`/api/data-records/xyz/2020/1/total-data-used`)).status).toBe(400);
  });

  it('GraphQL: upsert mutation with variables, then getTotalDataUsage; bad input is BAD_USER_INPUT', async () => {
    const app = build();
    const mutation = `mutation upsertDataRecord($agreementId: String!, $upsertRequest: DataRecordUpsertRequest!) {
      upsertDataRecord(agreementId: $agreementId, upsertRequest: $upsertRequest) { key { agreementId year month recordedAt internalRecordId } recordedBytes } }`;
    const up = await request(app).post('/graphql').send({ query: mutation, variables: { agreementId: AGREEMENT, upsertRequest: body } });
    expect(up.body).toEqual({
      data: {
        upsertDataRecord: {
          key: { agreementId: AGREEMENT, year: 2020, month: 1, recordedAt: '2020-01-01T23:00:00.000Z', internalRecordId: body.internalRecordId },
          recordedBytes: 123456,
        },
      },
    });
    const total = await request(app).post('/graphql').send({ query: `{ getTotalDataUsage(agreementId: "${AGREEMENT}", year: 2020, month: 1) }` });
    expect(total.body).toEqual({ data: { getTotalDataUsage: '123456 B\n121 KB\n0 MB\n0 GB' } });
    const bad = await request(app).post('/graphql').send({ query: `{ getTotalDataUsage(agreementId: "${AGREEMENT}", year: 2020, month: 13) }` });
    expect((bad.body as { errors: unknown[] }).errors[0]).toMatchObject({ message: expect.stringMatching(/month/) as unknown, extensions: { code: 'BAD_USER_INPUT' } });
  });

  it('GraphiQL (Ruru) is served offline from node_modules when GENERATOR_GRAPHIQL is on', async () => {
    const app = build({ graphql: { graphiql: true } });
    const page = await request(app).get('/graphiql');
    expect(page.status).toBe(200);
    expect(page.text).toContain('/graphiql/static/ruru.js');
    const browser = await request(app).get('/graphql').set('Accept', 'text/html');
    expect(browser.text).toContain('"endpoint": "/graphql"');
    const js = await request(app).get('/graphiql/static/ruru.js');
    expect(js.status).toBe(200);
    expect(js.type).toBe('text/javascript');
  });

  it('unknown paths are a JSON 404', async () => {
    const res = await request(build()).get('/api/nope');
    expect(res.status).toBe(404);
    expect((res.body as { message: string }).message).toBe('no endpoint GET /api/nope');
  });
});
