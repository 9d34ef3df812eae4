// Issue 13 at the HTTP layer, over in-memory ports: bounded work per request (lines per
// generate call, one generation at a time, GraphQL limits refused before any store call,
// body limits), GraphiQL and introspection off by default, and no internals in any error
// answer (a code, a message and the request id; the details only in the log).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CassandraUnavailableError } from '@mobilecs/platform';
import { FsIncomingFolder } from './adapters/fs-incoming-folder';
import { createApp, type AppDeps } from './app';
import type { DataRecordStore, IncomingFolder, StoredDataRecord } from './ports';

const AGREEMENT = '0b12c601-9287-3f5c-a78c-df508fe0f889';
const FIXTURE_FILE = 'idr_000_2020-01-02_1349856c-14bb-33a0-ae31-b3df49201961.csv';

/** An error as a driver would raise it: inner error text, an address, a stack with file paths. */
function driverError(): Error {
  const err = new Error(
    'All host(s) tried for query failed. First host tried, 127.0.0.1:9042: Error: connect ECONNREFUSED 127.0.0.1:9042 ' +
      '(/work/main/node_modules/cassandra-driver/lib/connection.js:219). See innerErrors.',
  );
  err.name = 'NoHostAvailableError';
  err.stack = `${err.name}: ${err.message}\n    at ControlConnection._refresh (/work/main/node_modules/cassandra-driver/lib/control-connection.js:326:15)\n    at file:///work/main/services/x.ts:1:1`;
  return err;
}

/** The store port, counting every call: the GraphQL limits must refuse before any. */
class CountingStore implements DataRecordStore {
  calls = 0;
  fail = false;
  async find(agreementId: string, year: number, month: number): Promise<StoredDataRecord[]> {
    this.calls++;
    if (this.fail) throw driverError();
    return [{ agreementId, year, month, recordedAt: Date.UTC(2020, 0, 2), internalRecordId: '82b6a30a-b659-3a4d-85f7-2771b6f69f56', recordedBytes: 5n }];
  }
  async totalBytes(): Promise<bigint> {
    this.calls++;
    if (this.fail) throw driverError();
    return 5n;
  }
  async upsert(): Promise<void> {
    this.calls++;
    if (this.fail) throw driverError();
  }
}

let dir: string;
let store: CountingStore;
let logLines: string[];

function build(overrides: Partial<AppDeps> = {}) {
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      logLines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  return createApp({
    publisher: { publish: async () => undefined },
    folder: new FsIncomingFolder(dir),
    store,
    logger: pino({ level: 'info' }, sink),
    registry: new Registry(),
    readinessChecks: [],
    limits: { defaultCount: 1, defaultMonths: 1, maxCount: 1000, maxMonths: 24, maxLinesPerCall: 200_000 },
    billingPeriodTimeZone: 'Europe/Warsaw',
    clock: () => Date.parse('2024-05-01T12:00:00Z'),
    ...overrides,
  }).app;
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gen-sec-'));
  store = new CountingStore();
  logLines = [];
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const STACK_FRAME = /\n\s+at\s|\bat .+\(.+:\d+:\d+\)/;
const FILE_PATH = /(?:\/work\/|\/tmp\/|\/home\/|node_modules|file:\/\/|\.(?:ts|js|mjs|cjs):\d+)/;

/**
 * An error answer as the issue asks: a message and a code (REST: top level; GraphQL: every
 * errors[] entry), the request id of X-Request-Id named in the body, no stack, no path;
 * and the log has a line with that request id.
 */
function expectCleanError(res: request.Response, status: number, code: string | RegExp): Record<string, unknown> {
  expect(res.status, res.text).toBe(status);
  expect(res.text).not.toMatch(STACK_FRAME);
  expect(res.text).not.toMatch(FILE_PATH);
  const requestId = res.headers['x-request-id'];
  expect(requestId).toMatch(/^[\w.:-]+$/);
  const body = JSON.parse(res.text) as Record<string, unknown>;
  const errors = (body.errors as { message: unknown; extensions: { code: unknown; requestId: unknown } }[] | undefined) ?? [];
  if (errors.length > 0) {
    for (const e of errors) {
      expect(typeof e.message).toBe('string');
      expect(e.extensions.code).toMatch(code);
      expect(e.extensions.requestId).toBe(requestId);
    }
  } else {
    expect(typeof body.message).toBe('string');
    expect(body.code).toMatch(code);
    expect(body.requestId).toBe(requestId);
  }
  expect(logLines.some((l) => l.includes(`"${requestId}"`))).toBe(true);
  return body;
}

const gql = (query: string) => ({ query });
const aliases = (n: number) =>
  `{ ${Array.from({ length: n }, (_, i) => `a${i}: getTotalDataUsage(agreementId: "${AGREEMENT}", year: 2020, month: 1)`).join(' ')} }`;

describe('generate: lines per call and one generation at a time', () => {
  it('a file call beyond GENERATOR_MAX_LINES_PER_CALL is 413 naming the limit and the variable; nothing written', async () => {
    const app = build();
    // 1000 msisdns × 731 days (24 months from 2 January 2020) = 731 000 lines
    const res = await request(app).get('/api/incoming-data-records/generate?count=1000&months=24');
    const body = expectCleanError(res, 413, 'too-many-lines');
    expect(body.message).toBe(
      'this call would produce 731000 lines (count=1000 msisdns × 731 days in months=24); the limit is 200000 lines per call: ask for fewer (count, months) or raise GENERATOR_MAX_LINES_PER_CALL',
    );
    const { readdir } = await import('node:fs/promises');
    expect(await readdir(dir)).toEqual([]);
    // within the limit: 200 msisdns × 31 days
    expect((await request(app).get('/api/incoming-data-records/generate?count=200')).status).toBe(200);
  });

  it('direct records and agreements are bounded by the same limit', async () => {
    const app = build({ limits: { defaultCount: 1, defaultMonths: 1, maxCount: 1000, maxMonths: 24, maxLinesPerCall: 100 } });
    expectCleanError(await request(app).get('/api/data-records/generate?count=4'), 413, 'too-many-lines');
    expect(store.calls).toBe(0);
    expectCleanError(await request(app).get('/api/agreements/generate?count=101'), 413, 'too-many-lines');
    expect((await request(app).get('/api/data-records/generate?count=3')).status).toBe(200);
  });

  it('a second call while one runs gets 429 with Retry-After and a clear message', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const folder: IncomingFolder = {
      writeFile: async () => {
        await gate;
        return 'written';
      },
    };
    const app = build({ folder });
    const first = request(app).get('/api/incoming-data-records/generate').then((r) => r);
    await new Promise((r) => setTimeout(r, 50));
    const second = await request(app).get('/api/agreements/generate');
    const body = expectCleanError(second, 429, 'generation-in-progress');
    expect(second.headers['retry-after']).toBe('1');
    expect(body.message).toMatch(/^a generation is already running .*\(one at a time\); retry in 1 s$/);
    release();
    expect((await first).status).toBe(200);
    expect((await request(app).get('/api/agreements/generate')).status).toBe(200);
  });
});

describe('GraphQL limits: refused before any store call', () => {
  it('the issue\'s alias bomb (250 KB, 2 300 aliases) is refused with a clear error and no store call', async () => {
    const query = aliases(2300);
    const padded = `${query}${' '.repeat(Math.max(0, 250 * 1024 - query.length - 20))}`;
    const bodyText = JSON.stringify(gql(padded));
    expect(bodyText.length).toBeGreaterThan(240 * 1024);
    expect(bodyText.length).toBeLessThan(256 * 1024);
    const started = Date.now();
    const res = await request(build()).post('/graphql').set('Content-Type', 'application/json').send(bodyText);
    const body = expectCleanError(res, 400, 'QUERY_LIMIT_EXCEEDED');
    expect((body.errors as { message: string }[])[0]?.message).toBe(
      'query refused: it has more than 1000 tokens; simplify the query or raise GENERATOR_GRAPHQL_MAX_TOKENS',
    );
    expect(store.calls).toBe(0);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('aliases beyond the limit within the token limit: refused by the alias rule, no store call', async () => {
    const res = await request(build()).post('/graphql').send(gql(aliases(40)));
    const body = expectCleanError(res, 400, 'QUERY_LIMIT_EXCEEDED');
    expect((body.errors as { message: string }[])[0]?.message).toBe(
      'query refused: its aliases (40) exceeds the limit of 15; simplify the query or raise GENERATOR_GRAPHQL_MAX_ALIASES',
    );
    expect(store.calls).toBe(0);
    // 15 aliases (16 root fields) are served
    const ok = await request(build()).post('/graphql').send(gql(aliases(15)));
    expect(ok.status).toBe(200);
    expect(store.calls).toBe(15);
  });

  it('the same over GET', async () => {
    const res = await request(build()).get('/graphql').query({ query: aliases(40) });
    expectCleanError(res, 400, 'QUERY_LIMIT_EXCEEDED');
    expect(store.calls).toBe(0);
  });

  it('depth and cost limits (set low here: this schema is shallow)', async () => {
    const q = gql(`{ findDataRecords(agreementId: "${AGREEMENT}", year: 2020, month: 1) { key { agreementId recordedAt } recordedBytes } }`);
    const deep = await request(build({ graphql: { limits: { maxAliases: 15, maxDepth: 2, maxCost: 1000, maxTokens: 1000 } } })).post('/graphql').send(q);
    expect((expectCleanError(deep, 400, 'QUERY_LIMIT_EXCEEDED').errors as { message: string }[])[0]?.message).toMatch(
      /^query refused: its depth \(3\) exceeds the limit of 2; .*GENERATOR_GRAPHQL_MAX_DEPTH$/,
    );
    const costly = await request(build({ graphql: { limits: { maxAliases: 15, maxDepth: 6, maxCost: 5, maxTokens: 1000 } } })).post('/graphql').send(q);
    expect((expectCleanError(costly, 400, 'QUERY_LIMIT_EXCEEDED').errors as { message: string }[])[0]?.message).toMatch(
      /^query refused: its cost \([\d.]+\) exceeds the limit of 5; .*GENERATOR_GRAPHQL_MAX_COST$/,
    );
    expect(store.calls).toBe(0);
    expect((await request(build()).post('/graphql').send(q)).status).toBe(200);
  });

  it('request bodies keep their limits: PUT 64 KB, GraphQL 256 KB → 413', async () => {
    const app = build();
    const put = await request(app).put(`/api/data-records/${AGREEMENT}`).set('Content-Type', 'application/json').send(`{"x":"${'a'.repeat(70 * 1024)}"}`);
    expect((expectCleanError(put, 413, 'payload-too-large').message as string)).toBe('request body larger than the limit of 65536 bytes');
    const big = await request(app).post('/graphql').set('Content-Type', 'application/json').send(JSON.stringify(gql(`{ ${' '.repeat(300 * 1024)} }`)));
    expectCleanError(big, 413, 'payload-too-large');
    expect(store.calls).toBe(0);
  });
});

describe('GraphiQL and introspection', () => {
  const introspection = gql('{ __schema { queryType { name } } }');

  it('off by default: no GraphiQL page, introspection refused', async () => {
    const app = build();
    const page = await request(app).get('/graphiql');
    expect(expectCleanError(page, 404, 'not-found').message).toBe('GraphiQL is off (GENERATOR_GRAPHIQL=true turns it on)');
    expect((await request(app).get('/graphiql/static/ruru.js')).status).toBe(404);
    const browser = await request(app).get('/graphql').set('Accept', 'text/html');
    expect(browser.text).not.toContain('ruru');
    const res = await request(app).post('/graphql').send(introspection);
    const body = expectCleanError(res, 400, 'GRAPHQL_VALIDATION_FAILED');
    expect((body.errors as { message: string }[])[0]?.message).toMatch(/introspection has been disabled.*GENERATOR_GRAPHIQL=true enables it/);
    expect((await request(app).post('/graphql').send(gql('{ __type(name: "Query") { name } }'))).status).toBe(400);
    // __typename is not introspection
    expect((await request(app).post('/graphql').send(gql('{ __typename }'))).body).toEqual({ data: { __typename: 'Query' } });
  });

  it('on with GENERATOR_GRAPHIQL: the page and the full introspection query GraphiQL sends', async () => {
    const { getIntrospectionQuery } = await import('graphql');
    const app = build({ graphql: { graphiql: true } });
    expect((await request(app).get('/graphiql')).status).toBe(200);
    const res = await request(app)
      .post('/graphql')
      .send(gql(getIntrospectionQuery({ descriptions: true, specifiedByUrl: true, directiveIsRepeatable: true, schemaDescription: true, inputValueDeprecation: true, oneOf: true })));
    expect(res.status, res.text).toBe(200);
    expect((res.body as { data: { __schema: { queryType: { name: string } } } }).data.__schema.queryType.name).toBe('Query');
  });
});

describe('no internals in error answers', () => {
  it('REST errors: 400, 404, 409, 500, 503 carry a code, a message and the request id; the log has the detail', async () => {
    expectCleanError(await request(build()).get('/api/agreements/generate?count=0'), 400, 'bad-request');
    expectCleanError(await request(build()).get('/api/nope'), 404, 'not-found');
    expectCleanError(await request(build()).put(`/api/data-records/${AGREEMENT}`).set('Content-Type', 'application/json').send('{"a":'), 400, 'bad-request');
    expectCleanError(await request(build()).get(`/api/data-records/%E0%A4%A/2020/1`), 400, 'bad-request');
    await writeFile(join(dir, FIXTURE_FILE), 'something else\n');
    expectCleanError(await request(build()).get('/api/incoming-data-records/generate'), 409, 'file-conflict');

    store.fail = true;
    const down = await request(build()).get(`/api/data-records/${AGREEMENT}/2020/1`);
    expect(expectCleanError(down, 503, 'dependency-unavailable').message).toBe('Cassandra unavailable (NoHostAvailableError)');
    // the log keeps what the answer leaves out, with the request id
    const line = logLines.find((l) => l.includes(down.headers['x-request-id'] as string) && l.includes('"level":50'));
    expect(line).toContain('All host(s) tried for query failed');

    const failingPublisher = build({ publisher: { publish: () => Promise.reject(driverError()) } });
    expect(expectCleanError(await request(failingPublisher).get('/api/agreements/generate'), 503, 'dependency-unavailable').message).toBe(
      'Kafka unavailable (NoHostAvailableError)',
    );
    const fsError = Object.assign(new Error("EACCES: permission denied, open '/tmp/incoming/tmp_1'"), { code: 'EACCES' });
    const failingFolder = build({ folder: { writeFile: () => Promise.reject(fsError) } });
    expect(expectCleanError(await request(failingFolder).get('/api/incoming-data-records/generate'), 503, 'dependency-unavailable').message).toBe(
      'incoming folder unavailable (EACCES)',
    );
  });

  it('an unexpected error is a 500 that names only the request id', async () => {
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    store.find = async () => [{ agreementId: AGREEMENT, year: 2020, month: 1, recordedAt: 0, internalRecordId: 'x', recordedBytes: circular as unknown as bigint }];
    const res = await request(build()).get(`/api/data-records/${AGREEMENT}/2020/1`);
    const body = expectCleanError(res, 500, 'internal-error');
    expect(body.message).toBe(`internal error; the log has the details under request id ${String(body.requestId)}`);
  });

  it('a caller\'s X-Request-Id is kept when it is a plain token, replaced otherwise', async () => {
    const app = build();
    expect((await request(app).get('/api/nope').set('X-Request-Id', 'abc-123')).body).toMatchObject({ requestId: 'abc-123' });
    const odd = await request(app).get('/api/nope').set('X-Request-Id', '<script>');
    expect(odd.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('GraphQL errors[]: parse, validation, bad input, bad body, GET mutation and a failing store', async () => {
    const app = build();
    expectCleanError(await request(app).post('/graphql').send(gql('{ findDataRecords(')), 400, 'GRAPHQL_PARSE_FAILED');
    expectCleanError(await request(app).post('/graphql').send(gql('{ nope }')), 400, 'GRAPHQL_VALIDATION_FAILED');
    expectCleanError(await request(app).post('/graphql').send({ query: 5 }), 400, 'BAD_REQUEST');
    expectCleanError(await request(app).post('/graphql').set('Content-Type', 'application/json').send('[1]'), 400, 'BAD_REQUEST');
    expectCleanError(await request(app).get('/graphql').query({ query: '{ __typename }', variables: '{' }), 400, 'BAD_REQUEST');
    expectCleanError(
      await request(app).get('/graphql').query({ query: 'mutation { upsertDataRecord(agreementId: "x", upsertRequest: {recordedAt: "x", internalRecordId: "x", recordedBytes: 1}) { recordedBytes } }' }),
      405,
      'METHOD_NOT_ALLOWED',
    );
    const month13 = await request(app).post('/graphql').send(gql(`{ getTotalDataUsage(agreementId: "${AGREEMENT}", year: 2020, month: 13) }`));
    expectCleanError(month13, 200, 'BAD_USER_INPUT');

    store.fail = true;
    const down = await request(app).post('/graphql').send(gql(`{ getTotalDataUsage(agreementId: "${AGREEMENT}", year: 2020, month: 1) }`));
    const body = expectCleanError(down, 200, 'SERVICE_UNAVAILABLE');
    expect(body).toMatchObject({ data: null, errors: [{ message: 'Cassandra unavailable (NoHostAvailableError); the log has the details under this request id', path: ['getTotalDataUsage'] }] });
    expect(logLines.some((l) => l.includes(down.headers['x-request-id'] as string) && l.includes('All host(s) tried'))).toBe(true);
  });

  it('/health/ready: 503 with short, path-free reasons, a code and the request id', async () => {
    const app = build({
      readinessChecks: [
        { name: 'kafka', check: async () => undefined },
        { name: 'cassandra', check: () => Promise.reject(new CassandraUnavailableError(['127.0.0.1:9042'], driverError())) },
      ],
    });
    const res = await request(app).get('/health/ready');
    const body = expectCleanError(res, 503, 'not-ready');
    expect(body).toMatchObject({
      status: 'DOWN',
      message: 'not ready: cassandra: Cassandra unreachable (NoHostAvailableError)',
      checks: { kafka: { status: 'UP' }, cassandra: { status: 'DOWN', reason: 'Cassandra unreachable (NoHostAvailableError)' } },
    });
  });
});
