// The fan-out logic over in-process instances: each instance's UsageQueries with its own
// local state, a shared group description, and a fetch that routes by URL to the other
// instance's handler (through exact JSON, as over HTTP). The same behaviour against real
// ingester processes on real Kafka: test/ingester/ingester-live-queries.test.ts.
import { describe, expect, it } from 'vitest';
import { stringifyExact, type Agreement } from '@mobilecs/domain';
import type { GroupView } from '@mobilecs/platform';
import { BillingPeriod, BillingWindow, type WindowState } from '@mobilecs/windowing';
import { UsageQueries, type LocalUsageSource } from './usage-queries';

const T = 'incoming-data-records';
const agreementOf = (i: number): Agreement => ({
  id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
  msisdn: `4850000${String(i).padStart(4, '0')}`,
  signedAt: 0,
  serviceStartAt: 0,
  billingPeriodTimeZone: 'Europe/Warsaw',
  maxBytesInBillingPeriod: 1000n,
});
const windowOf = (a: Agreement, total: bigint, partition: number): WindowState => ({
  ...BillingWindow.open(a, BillingPeriod.containing(Date.parse('2020-01-10T00:00:00Z'), a.billingPeriodTimeZone), partition),
  totalBytes: total,
});

class FakeLocal implements LocalUsageSource {
  state: 'starting' | 'running' | 'stopping' = 'running';
  restoring: number[] = [];
  constructor(
    readonly partitions: number[],
    readonly held: { agreement: Agreement; partition: number; window: WindowState | null }[],
  ) {}
  queryStatus() {
    return { partitions: this.partitions, restoring: this.restoring };
  }
  agreementsWithNewestWindow() {
    return this.held;
  }
  agreementById(id: string) {
    return this.held.find((h) => h.agreement.id === id);
  }
  openPeriods(id: string) {
    return this.held.filter((h) => h.agreement.id === id && h.window).map((h) => ({ totalRecordedBytes: Number(h.window!.totalBytes) }));
  }
}

/** Three instances, partitions 0..5 round-robin; subscriber i on partition i % 6 with usage i * 37 % 1200. */
function cluster(n = 60) {
  const urls = ['http://a:1', 'http://b:1', 'http://c:1'];
  const down = new Set<string>();
  const hang = new Set<string>();
  let view: GroupView = {
    groupId: 'g',
    state: 'Stable',
    members: urls.map((url, k) => ({ memberId: `m${k}`, clientId: 'c', clientHost: 'h', url, assignment: { [T]: [k, k + 3] } })),
  };
  const locals = urls.map((_, k) => new FakeLocal([k, k + 3], []));
  for (let i = 0; i < n; i++) {
    const a = agreementOf(i);
    const p = i % 6;
    locals[p % 3]!.held.push({ agreement: a, partition: p, window: i % 5 === 0 ? null : windowOf(a, BigInt((i * 37) % 1200), p) });
  }
  const queries: UsageQueries[] = [];
  const fakeFetch = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(input instanceof Request ? input.url : input);
    const target = `${url.protocol}//${url.host}`;
    if (down.has(target)) throw new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED') });
    if (hang.has(target)) {
      return new Promise<Response>((_, reject) => init?.signal?.addEventListener('abort', () => reject(init.signal!.reason as Error)));
    }
    const q = queries[urls.indexOf(target)]!;
    const query = Object.fromEntries(url.searchParams);
    const answer = url.pathname.startsWith('/api/usage/') ? await q.agreement(decodeURIComponent(url.pathname.slice('/api/usage/'.length)), query) : await q.subscribers(query);
    return new Response(stringifyExact(answer.body), { status: answer.status });
  }) as typeof fetch;
  urls.forEach((url, k) =>
    queries.push(new UsageQueries({ topic: T, partitionCount: 6, selfUrl: () => url, local: () => locals[k], groupView: async () => view, timeoutMs: 100, maxRows: 10_000, fetch: fakeFetch })),
  );
  return { urls, locals, queries, down, hang, setView: (v: GroupView) => (view = v), view: () => view };
}

type Page = { total: number; rows: { agreementId: string; totalRecordedBytes: number; msisdn: string }[]; instances: unknown[] };

describe('GET /api/subscribers on any instance', () => {
  it('pages over all instances: every subscriber exactly once, in order, the same whichever instance is asked', async () => {
    const c = cluster();
    for (const q of c.queries) {
      const seen: Page['rows'] = [];
      for (let offset = 0; offset < 60; offset += 25) {
        const a = await q.subscribers({ sort: 'usage', limit: '25', offset: String(offset) });
        expect(a.status).toBe(200);
        const page = a.body as Page;
        expect(page.total).toBe(60);
        seen.push(...page.rows);
      }
      expect(new Set(seen.map((r) => r.agreementId)).size).toBe(60);
      const usage = seen.map((r) => r.totalRecordedBytes);
      expect(usage).toEqual([...usage].sort((x, y) => y - x));
    }
    const filtered = (await c.queries[1]!.subscribers({ q: '4850000001' })).body as Page;
    expect(filtered.total).toBe(10);
  });
  it('an instance that does not answer: 503 instance-unavailable naming it and its partitions, never a partial list', async () => {
    const c = cluster();
    c.down.add('http://b:1');
    const a = await c.queries[0]!.subscribers({});
    expect(a.status).toBe(503);
    expect(a.body).toMatchObject({ code: 'instance-unavailable', instances: ['http://b:1'], message: expect.stringContaining('instance http://b:1 (partitions 1, 4) is not reachable') as string });
    c.down.clear();
    c.hang.add('http://c:1');
    expect((await c.queries[0]!.subscribers({})).body).toMatchObject({ code: 'instance-unavailable', message: expect.stringContaining('did not answer within 100 ms') as string });
  });
  it('a rebalancing group, or an instance restoring its partitions, or serving others than the group says: 503 rebalancing with Retry-After', async () => {
    const c = cluster();
    c.setView({ ...c.view(), state: 'CompletingRebalance' });
    const a = await c.queries[0]!.subscribers({});
    expect(a).toMatchObject({ status: 503, body: { code: 'rebalancing' }, headers: { 'Retry-After': '1' } });
    c.setView({ ...c.view(), state: 'Stable' });
    c.locals[2]!.restoring = [5];
    expect((await c.queries[0]!.subscribers({})).body).toMatchObject({ code: 'rebalancing', message: expect.stringContaining('partitions 5 of http://c:1 are being restored') as string });
    c.locals[2]!.restoring = [];
    c.locals[1]!.partitions.splice(1);
    expect((await c.queries[0]!.subscribers({})).body).toMatchObject({ code: 'rebalancing', message: expect.stringContaining('http://b:1 serves partitions 1 but the group assigned it 1, 4') as string });
  });
  it('bad parameters: 400 naming the parameter; this instance starting: 503 starting', async () => {
    const c = cluster();
    expect(await c.queries[0]!.subscribers({ limit: '1000' })).toMatchObject({ status: 400, body: { code: 'bad-request', parameter: 'limit' } });
    c.locals[0]!.state = 'starting';
    expect(await c.queries[0]!.subscribers({})).toMatchObject({ status: 503, body: { code: 'starting' } });
  });
});

describe('GET /api/usage/:agreementId on any instance', () => {
  it('answers from the owner, naming it, whichever instance is asked', async () => {
    const c = cluster();
    const id = agreementOf(7).id; // partition 1: instance b
    for (const [k, q] of c.queries.entries()) {
      const a = await q.agreement(id.toUpperCase(), {});
      expect(a.status).toBe(200);
      expect(a.body).toMatchObject({ agreementId: id, msisdn: agreementOf(7).msisdn, owner: { url: 'http://b:1', partition: 1 }, answeredBy: c.urls[k], openPeriods: [{ totalRecordedBytes: 259 }] });
    }
  });
  it('unknown everywhere: 404 unknown-agreement; scope=local on a non-owner: 404 too (not an empty list)', async () => {
    const c = cluster();
    const unknown = '00000000-0000-4000-8000-999999999999';
    expect(await c.queries[0]!.agreement(unknown, {})).toMatchObject({ status: 404, body: { code: 'unknown-agreement', message: expect.stringContaining('no instance holds') as string } });
    expect(await c.queries[0]!.agreement(agreementOf(7).id, { scope: 'local' })).toMatchObject({ status: 404, body: { code: 'unknown-agreement' } });
    expect(await c.queries[0]!.agreement('x', {})).toMatchObject({ status: 400, body: { parameter: 'agreementId' } });
  });
  it('not found while an instance is down or restoring: 503, not 404', async () => {
    const c = cluster();
    c.down.add('http://b:1');
    expect(await c.queries[0]!.agreement(agreementOf(7).id, {})).toMatchObject({ status: 503, body: { code: 'instance-unavailable', instances: ['http://b:1'] } });
    // Held by a live instance: answered even while another is down.
    expect(await c.queries[0]!.agreement(agreementOf(8).id, {})).toMatchObject({ status: 200, body: { owner: { url: 'http://c:1' } } });
    c.down.clear();
    c.locals[1]!.held.length = 0;
    c.locals[1]!.restoring = [1, 4];
    expect(await c.queries[0]!.agreement(agreementOf(7).id, {})).toMatchObject({ status: 503, body: { code: 'rebalancing' } });
  });
});
