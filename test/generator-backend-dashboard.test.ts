// generator-backend's dashboard API against real Kafka and Cassandra (issue 16): alerts as
// they are committed (read_committed, an aborted transaction never shows), the stream's
// resume without loss or repeat, records paged through Cassandra's paging state, the
// period detail, the built files at /. The ingester is a small HTTP server answering as
// one would (the real ingester is in the browser test, test/e2e/dashboard.test.ts).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseExact } from '@mobilecs/domain';
import { KafkaAdmin, KafkaTransactionalProducer } from '@mobilecs/platform';
import { loadGeneratorConfig, startServer, type RunningServer } from '@mobilecs/generator-backend';
import { serverEnv, testServers, uniqueName } from './support/servers';

const AGREEMENT = '0b12c601-9287-3f5c-a78c-df508fe0f889';
const MSISDN = '48917846822';
const PLAN = 5_368_709_120;

let server: RunningServer;
let ingester: Server;
/** What the stand-in ingester answers for /api/usage/<AGREEMENT> (status, body). */
let usageAnswer: { status: number; body: unknown } = { status: 200, body: {} };
const dirs: string[] = [];
const aggregates = uniqueName('agg');
const keyspace = uniqueName('dash');
let dashboardDir: string;

async function get(path: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${server.url}${path}`, { headers, signal: AbortSignal.timeout(30_000) });
  return { status: res.status, text: await res.text(), headers: res.headers };
}

const aggregate = (type: string, total: number) =>
  JSON.stringify({ agreementId: AGREEMENT, year: 2020, month: 1, latestRecordedAt: '2020-01-10T23:00:00.000Z', latestInternalRecordId: '8be78708-512f-5f71-88f4-6d42a47e8886', totalRecordedBytes: total, billingPeriodTimeZone: 'Europe/Warsaw', maxBytesInBillingPeriod: PLAN, type });

async function commitAggregates(values: string[], abort = false): Promise<void> {
  const producer = await KafkaTransactionalProducer.connect({ ...testServers().kafka, clientId: 'dash-test' }, uniqueName('dash_tx'));
  try {
    await producer
      .inTransaction(async (tx) => {
        await tx.send(values.map((value) => ({ topic: aggregates, key: AGREEMENT, value })));
        if (abort) throw new Error('aborted on purpose');
      })
      .catch((err: unknown) => {
        if (!abort) throw err;
      });
  } finally {
    await producer.disconnect();
  }
}

/** Reads an SSE response until `count` events came (or the time runs out): their ids and data. */
async function readEvents(path: string, count: number, headers: Record<string, string> = {}, ms = 20_000): Promise<{ id: string; data: { id: string } }[]> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), ms);
  const events: { id: string; data: { id: string } }[] = [];
  try {
    const res = await fetch(`${server.url}${path}`, { headers, signal: controller.signal });
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const reader = res.body!.getReader();
    let buffer = '';
    while (events.length < count) {
      const { value, done } = (await reader.read()) as { value?: Uint8Array; done: boolean };
      if (done) break;
      if (value) buffer += Buffer.from(value).toString("utf8");
      let cut: number;
      while ((cut = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        const id = /^id: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (id !== undefined && data !== undefined) events.push({ id, data: JSON.parse(data) as { id: string } });
      }
    }
    controller.abort();
  } catch (err) {
    if (!controller.signal.aborted) throw err;
  } finally {
    clearTimeout(timer);
  }
  return events;
}

beforeAll(async () => {
  ingester = createServer((req, res) => {
    if (req.url === `/api/usage/${AGREEMENT}`) {
      res.writeHead(usageAnswer.status, { 'content-type': 'application/json', ...(usageAnswer.status === 503 ? { 'retry-after': '1' } : {}) });
      res.end(JSON.stringify(usageAnswer.body));
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ code: 'unknown-agreement', message: `no ingester instance knows agreement ${req.url?.split('/').pop()}` }));
  });
  await new Promise<void>((r) => ingester.listen(0, '127.0.0.1', r));
  dashboardDir = mkdtempSync(join(tmpdir(), 'dash-dist-'));
  dirs.push(dashboardDir);
  mkdirSync(join(dashboardDir, 'assets'));
  writeFileSync(join(dashboardDir, 'index.html'), '<!doctype html><title>mobilecs</title><div id="root"></div>');
  writeFileSync(join(dashboardDir, 'assets', 'index-abc123.js'), 'console.log(1)');
  const admin = await KafkaAdmin.connect({ ...testServers().kafka, clientId: 'dash-test' });
  await admin.ensureTopics([{ topic: aggregates, partitions: 3 }]);
  await admin.disconnect();
  // Two alerts before the backend starts: it reads the topic's tail at start-up.
  await commitAggregates([aggregate('DATA_PLAN_EXCEEDED', 5_697_948_758)]);
  const incoming = mkdtempSync(join(tmpdir(), 'dash-incoming-'));
  dirs.push(incoming);
  const config = loadGeneratorConfig({
    ...serverEnv(),
    HTTP_PORT: '0',
    INCOMING_DATA_RECORDS_DIR: incoming,
    CASSANDRA_KEYSPACE: keyspace,
    TOPIC_PARTITIONS: '3',
    TOPIC_AGREEMENTS: uniqueName('agr'),
    TOPIC_INCOMING_DATA_RECORDS: uniqueName('idr'),
    TOPIC_DATA_RECORDS_AGGREGATES: aggregates,
    TOPIC_DEAD_LETTERS: uniqueName('dlq'),
    TOPIC_DATA_RECORDS_LATE: uniqueName('late'),
    TOPIC_GENERATOR_SEQUENCES: uniqueName('seq'),
    INGESTER_URL: `http://127.0.0.1:${(ingester.address() as AddressInfo).port}`,
    DASHBOARD_DIR: dashboardDir,
    LOG_LEVEL: 'silent',
  });
  server = await startServer(config, pino({ level: 'silent' }));
});

afterAll(async () => {
  await server?.stop();
  await new Promise((r) => ingester?.close(r));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('generator-backend: the dashboard API on real Kafka and Cassandra', () => {
  it('alerts: the tail at start-up, then each committed message on the stream; an aborted one never; resuming by Last-Event-ID gives the rest once', async () => {
    const first = JSON.parse((await get('/api/alerts')).text) as { alerts: { id: string; message: { type: string; totalRecordedBytes: number } }[] };
    expect(first.alerts.map((a) => a.message.type)).toEqual(['DATA_PLAN_EXCEEDED']);
    expect(first.alerts[0]!.message.totalRecordedBytes).toBe(5_697_948_758);

    // A stream opened now gets what is committed from now on.
    const live = readEvents('/api/alerts/stream', 2);
    await new Promise((r) => setTimeout(r, 1000));
    await commitAggregates([aggregate('NEVER_SHOWN', 1)], true);
    await commitAggregates([aggregate('BILLING_PERIOD_CLOSED', 13_559_994_361), aggregate('BILLING_PERIOD_CLOSED', 2)]);
    const got = await live;
    expect(got).toHaveLength(2);
    const listed = JSON.parse((await get('/api/alerts')).text) as { alerts: { id: string; message: { type: string } }[] };
    expect(listed.alerts.map((a) => a.message.type)).toEqual(['BILLING_PERIOD_CLOSED', 'BILLING_PERIOD_CLOSED', 'DATA_PLAN_EXCEEDED']);
    expect(got.map((e) => e.data.id)).toEqual(listed.alerts.slice(0, 2).map((a) => a.id).reverse());

    // Dropped after the first: Last-Event-ID of that event brings exactly the second, and nothing already seen.
    const resumed = await readEvents('/api/alerts/stream', 5, { 'Last-Event-ID': got[0]!.id }, 4000);
    expect(resumed.map((e) => e.data.id)).toEqual([got[1]!.data.id]);
    // A malformed cursor is a 400 with what was expected.
    const bad = await get('/api/alerts/stream?after=yesterday');
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.text)).toMatchObject({ code: 'bad-request' });
  });

  it('records a page at a time through Cassandra\'s paging state: every record once, newest first; a forged page token is a 400', async () => {
    for (let day = 1; day <= 31; day++) {
      const res = await fetch(`${server.url}/api/data-records/${AGREEMENT}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ recordedAt: `2020-01-${String(day).padStart(2, '0')}T12:00:00Z`, internalRecordId: `00000000-0000-4000-8000-${String(day).padStart(12, '0')}`, recordedBytes: 200_000_000 }),
      });
      expect(res.status).toBe(200);
    }
    const whole = JSON.parse((await get(`/api/data-records/${AGREEMENT}/2020/1`)).text) as { key: { internalRecordId: string } }[];
    expect(whole).toHaveLength(31);
    const paged: string[] = [];
    let token: string | null = null;
    let pages = 0;
    do {
      const r = await get(`/api/data-records/${AGREEMENT}/2020/1?limit=10${token ? `&pageState=${token}` : ''}`);
      expect(r.status, r.text).toBe(200);
      paged.push(...(JSON.parse(r.text) as { key: { internalRecordId: string } }[]).map((x) => x.key.internalRecordId));
      token = r.headers.get('x-next-page-state');
      pages++;
    } while (token && pages < 10);
    expect(paged).toEqual(whole.map((x) => x.key.internalRecordId));
    expect(pages).toBe(4);
    for (const forged of ['zz', 'deadbeef']) {
      const r = await get(`/api/data-records/${AGREEMENT}/2020/1?limit=10&pageState=${forged}`);
      expect(r.status, r.text).toBe(400);
      expect(JSON.parse(r.text)).toMatchObject({ code: 'bad-request' });
    }
  });

  it('the period detail: plan and zone from the ingester, bounds in the zone, totals as total-data-used, the curve with the exact exceed point', async () => {
    usageAnswer = { status: 200, body: { agreementId: AGREEMENT, msisdn: MSISDN, maxBytesInBillingPeriod: PLAN, billingPeriodTimeZone: 'Europe/Warsaw', owner: { url: 'http://x', partition: 0 }, openPeriods: [] } };
    const r = await get(`/api/subscribers/${AGREEMENT}/periods/2020/1`);
    expect(r.status, r.text).toBe(200);
    const d = parseExact(r.text) as Record<string, unknown> & { curve: { at: string; cumulativeBytes: number }[]; total: Record<string, number> };
    expect(d).toMatchObject({ msisdn: MSISDN, maxBytesInBillingPeriod: PLAN, records: 31, period: { year: 2020, month: 1, start: '2019-12-31T23:00:00.000Z', end: '2020-01-31T23:00:00.000Z' } });
    const rest = (await get(`/api/data-records/${AGREEMENT}/2020/1/total-data-used`)).text;
    expect(Object.entries(d.total).map(([unit, n]) => `${n} ${unit}`).join('\n')).toBe(rest);
    // 200 MB a day: the 27th record (27 January) is the first at or over 5 GiB.
    expect(d.exceededAt).toBe('2020-01-27T12:00:00.000Z');
    expect(d.curve).toHaveLength(31);
    expect(d.curve.at(-1)!.cumulativeBytes).toBe(31 * 200_000_000);

    // The ingester's answers pass through with their status and reason; a bad period is refused here.
    usageAnswer = { status: 503, body: { code: 'rebalancing', message: 'the ingester group is rebalancing' } };
    const busy = await get(`/api/subscribers/${AGREEMENT}/periods/2020/1`);
    expect(busy.status).toBe(503);
    expect(busy.headers.get('retry-after')).toBe('1');
    expect(JSON.parse(busy.text)).toMatchObject({ code: 'rebalancing', message: 'the ingester group is rebalancing' });
    const unknown = await get('/api/usage/00000000-0000-4000-8000-000000000000');
    expect(unknown.status).toBe(404);
    expect(JSON.parse(unknown.text)).toMatchObject({ code: 'unknown-agreement' });
    expect((await get(`/api/subscribers/${AGREEMENT}/periods/2020/13`)).status).toBe(400);
    expect((await get('/api/subscribers?sort=size')).status).toBe(400);
    expect((await get('/api/subscribers?limit=501')).status).toBe(400);
  });

  it('the built dashboard at /: index without caching, hashed assets cached for good, any page path gets the app, a missing file is a 404', async () => {
    const index = await get('/');
    expect(index.status).toBe(200);
    expect(index.text).toContain('<div id="root">');
    expect(index.headers.get('cache-control')).toBe('no-cache');
    const asset = await get('/assets/index-abc123.js');
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toContain('immutable');
    expect((await get('/subscribers/anything')).text).toContain('<div id="root">');
    expect((await get('/assets/missing.js')).status).toBe(404);
    expect((await get('/api/nothing-here')).status).toBe(404);
  });
});

describe('generator-backend with its ingester down', () => {
  it('answers 503 ingester-unavailable naming the address, at once, for usage and listings', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const incoming = mkdtempSync(join(tmpdir(), 'dash-incoming-'));
    dirs.push(incoming);
    const other = await startServer(
      loadGeneratorConfig({ ...serverEnv(), HTTP_PORT: '0', INCOMING_DATA_RECORDS_DIR: incoming, CASSANDRA_KEYSPACE: keyspace, TOPIC_PARTITIONS: '3', TOPIC_INCOMING_DATA_RECORDS: uniqueName('idr'), TOPIC_DEAD_LETTERS: uniqueName('dlq'), TOPIC_DATA_RECORDS_LATE: uniqueName('late'), TOPIC_DATA_RECORDS_AGGREGATES: aggregates, TOPIC_AGREEMENTS: uniqueName('agr'), TOPIC_GENERATOR_SEQUENCES: uniqueName('seq'), INGESTER_URL: `http://127.0.0.1:${port}`, DASHBOARD_DIR: join(incoming, 'not-built'), LOG_LEVEL: 'silent' }),
      pino({ level: 'silent' }),
    );
    try {
      for (const path of ['/api/subscribers', `/api/usage/${AGREEMENT}`]) {
        const res = await fetch(`${other.url}${path}`);
        expect(res.status).toBe(503);
        const body = (await res.json()) as { code: string; message: string };
        expect(body.code).toBe('ingester-unavailable');
        expect(body.message).toContain(`127.0.0.1:${port}`);
      }
      const page = await fetch(`${other.url}/`);
      expect(page.status).toBe(503);
      expect(await page.text()).toContain('npm run build -w web/dashboard');
    } finally {
      await other.stop();
    }
  });
});
