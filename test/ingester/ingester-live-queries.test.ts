// Live usage from any ingester instance (issue 16), on real Kafka and Cassandra with three
// ingester processes in one group: each agreement's usage through every instance with its
// owner named, the listing through any instance with every subscriber once, an unknown
// agreement a 404, a bad parameter a 400; an instance SIGKILLed: the others say so (503)
// rather than answer in part, and after the rebalance everything is visible again.
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { parseExact } from '@mobilecs/domain';
import type { OutgoingMessage } from '@mobilecs/platform';
import { IngesterHarness } from './ingester-harness';

type Json = Record<string, unknown>;

function agreement(h: IngesterHarness, msisdn: string, maxBytes: number): { id: string; message: OutgoingMessage } {
  const id = randomUUID();
  const value = JSON.stringify({ id, msisdn, signedAt: '2019-12-01T00:00:00Z', serviceStartAt: '2019-12-15T00:00:00Z', billingPeriodTimeZone: 'Europe/Warsaw', maxBytesInBillingPeriod: maxBytes });
  return { id, message: { topic: h.topics.agreements, key: msisdn, value } };
}

function record(h: IngesterHarness, msisdn: string, recordedAt: string, bytes: number): OutgoingMessage {
  const value = JSON.stringify({ externalId: randomUUID(), recordedAt, msisdn, recordedBytes: bytes, internalId: randomUUID() });
  return { topic: h.topics.incomingDataRecords, key: msisdn, value, timestamp: Date.parse(recordedAt) };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('live usage from any ingester instance (real Kafka + Cassandra, three instances)', () => {
  let h: IngesterHarness | undefined;
  afterEach(async () => {
    await h?.cleanUp();
    h = undefined;
  });

  it('every agreement through every instance, the owner named; listings whole; 404 and 400 with reasons; a killed instance gives 503, never a partial answer, until the group settles', { timeout: 240_000 }, async () => {
    h = new IngesterHarness(6);
    await h.createTopics();
    const instances = [await h.start(), await h.start(), await h.start()];
    const ports = await Promise.all(instances.map((p) => h!.port(p)));
    const get = async (port: number, path: string) => {
      const res = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(15_000) });
      return { status: res.status, body: parseExact(await res.text()) as Json, retryAfter: res.headers.get('retry-after') };
    };

    // Two subscribers on each of the six partitions, each with one record in January 2020
    // and one in February (so January closes and February stays open).
    const msisdns = h.msisdnsOn([0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5]);
    const agreements = msisdns.map((m, i) => ({ msisdn: m, ...agreement(h!, m, 1000 * (i + 1)) }));
    await h.send(agreements.map((a) => a.message));
    await h.send(agreements.flatMap((a, i) => [record(h!, a.msisdn, '2020-01-10T12:00:00Z', 10 * (i + 1)), record(h!, a.msisdn, '2020-02-02T12:00:00Z', 100 * (i + 1))]));

    /** Polls `port` until every agreement is listed with its February usage (the group is stable, all is counted). */
    const listedEverywhere = async (livePorts: number[], timeoutMs: number) => {
      const deadline = Date.now() + timeoutMs;
      for (const port of livePorts) {
        for (;;) {
          const r = await get(port, '/api/subscribers?limit=500&sort=msisdn&order=asc').catch(() => undefined);
          const rows = (r?.body.rows ?? []) as Json[];
          if (r?.status === 200 && rows.length === agreements.length && rows.every((x) => x.totalRecordedBytes !== 0)) return rows;
          if (Date.now() > deadline) throw new Error(`:${port} did not list ${agreements.length} subscribers with usage: ${JSON.stringify(r)}`);
          await sleep(500);
        }
      }
      return [];
    };
    await listedEverywhere(ports, 120_000);

    const owners = new Set<string>();
    for (const port of ports) {
      const list = await get(port, '/api/subscribers?limit=500&sort=msisdn&order=asc');
      expect(list.status).toBe(200);
      expect(list.body.total).toBe(12);
      const rows = list.body.rows as Json[];
      expect(rows.map((r) => r.msisdn)).toEqual([...msisdns].sort());
      for (const [i, a] of agreements.entries()) {
        const row = rows.find((r) => r.agreementId === a.id)!;
        expect(row).toMatchObject({ msisdn: a.msisdn, maxBytesInBillingPeriod: 1000 * (i + 1), totalRecordedBytes: 100 * (i + 1), state: 'within-plan', period: { year: 2020, month: 2 } });
      }
      // Paging over all instances: two pages of six give the same twelve, once each.
      const first = (await get(port, '/api/subscribers?limit=6&offset=0&sort=msisdn')).body.rows as Json[];
      const second = (await get(port, '/api/subscribers?limit=6&offset=6&sort=msisdn')).body.rows as Json[];
      expect([...first, ...second].map((r) => r.msisdn).sort()).toEqual([...msisdns].sort());
      for (const a of agreements) {
        const u = await get(port, `/api/usage/${a.id}`);
        expect(u.status, JSON.stringify(u.body)).toBe(200);
        expect(u.body).toMatchObject({ agreementId: a.id, msisdn: a.msisdn });
        const owner = u.body.owner as { url: string; partition: number };
        expect(owner.partition).toBe(h.partitionOf(a.msisdn));
        owners.add(owner.url);
      }
    }
    expect(owners.size).toBe(3);

    const unknown = await get(ports[0]!, `/api/usage/${randomUUID()}`);
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe('unknown-agreement');
    for (const bad of ['/api/usage/not-a-uuid', '/api/subscribers?limit=0', '/api/subscribers?sort=bytes', '/api/subscribers?offset=-1']) {
      const r = await get(ports[1]!, bad);
      expect(r.status, bad).toBe(400);
      expect(typeof r.body.message).toBe('string');
    }

    // SIGKILL one instance: until the group has moved its partitions, the others answer a
    // listing with 503 (naming why), never with part of the subscribers.
    await instances[2]!.kill('SIGKILL');
    const seen = new Set<number>();
    const deadline = Date.now() + 90_000;
    for (;;) {
      const r = await get(ports[0]!, '/api/subscribers?limit=500').catch(() => undefined);
      if (r) {
        seen.add(r.status);
        if (r.status === 200) {
          expect(r.body.total).toBe(12);
          if ((r.body.rows as Json[]).every((x) => x.totalRecordedBytes !== 0) && seen.has(503)) break;
        } else {
          expect(r.status).toBe(503);
          expect(['instance-unavailable', 'rebalancing']).toContain(r.body.code);
        }
      }
      if (Date.now() > deadline) throw new Error(`answers seen: ${[...seen].join(', ')}`);
      await sleep(200);
    }
    expect(seen.has(503)).toBe(true);
    await listedEverywhere([ports[0]!, ports[1]!], 60_000);
    for (const a of agreements) expect((await get(ports[1]!, `/api/usage/${a.id}`)).status).toBe(200);
  });
});
