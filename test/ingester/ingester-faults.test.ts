import { afterEach, describe, expect, it } from 'vitest';
import { startLocalInfra, stopLocalInfra, cassandraContactPoints } from '../../infra/src/index';
import { testServers } from '../support/servers';
import type { ServiceProcess } from '../support/service-process';
import { IngesterHarness } from './ingester-harness';
import { canonicalMessages, expectedAggregates, faultDataset } from './fault-dataset';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const randomBetween = (lo: number, hi: number) => lo + Math.floor(Math.random() * (hi - lo));

async function rowsPerWindow(h: IngesterHarness, agreementIds: string[]): Promise<number> {
  const c = await h.cassandra();
  try {
    let rows = 0;
    for (const id of agreementIds) {
      for (const month of [1, 2, 3, 4]) {
        const rs = await c.execute(`SELECT count(*) AS n FROM ${h.keyspace}.data_record WHERE agreement_id = ? AND year = 2020 AND month = ?`, [id, month], { prepare: true });
        rows += Number(rs.first().get('n'));
      }
    }
    return rows;
  } finally {
    await c.shutdown();
  }
}

describe('ingester under faults: no lost and no duplicated row or message (read_committed)', () => {
  let h: IngesterHarness;
  afterEach(async () => {
    await h.cleanUp();
  });

  it('survives SIGKILL at random moments (10 rounds)', { timeout: 600_000 }, async () => {
    h = new IngesterHarness(6);
    await h.createTopics();
    const data = faultDataset(16, 1);
    const expected = expectedAggregates(data);
    await h.send(data.agreements.map((a) => h.agreementMessage(a)));
    await h.send(data.records.map((r) => h.recordMessage(r)));

    // All 10 rounds always run: a kill after the last output still tests that a restart
    // of finished state adds nothing.
    let midStream = 0;
    for (let round = 0; round < 10; round++) {
      const p = await h.start();
      await sleep(randomBetween(100, 1000));
      await p.kill('SIGKILL');
      if ((await h.aggregates(expected.length, 100, 0)).length < expected.length) midStream++;
    }
    await h.start();
    const got = await h.aggregates(expected.length, 180_000, 3000);
    expect(canonicalMessages(got)).toEqual(expected);
    expect(await rowsPerWindow(h, data.agreements.map((a) => a.id))).toBe(data.records.length);
    // Most kills must have hit before the end for the test to mean something (how many
    // do depends on the machine's speed, so not all are required).
    expect(midStream).toBeGreaterThanOrEqual(5);
  });

  it('three instances, one killed and one added mid-stream, give exactly the single-instance output', async () => {
    h = new IngesterHarness(6);
    await h.createTopics();
    const data = faultDataset(12, 3);
    const expected = expectedAggregates(data);
    await h.send(data.agreements.map((a) => h.agreementMessage(a)));
    const [a, b, c] = await Promise.all([h.start(), h.start(), h.start()]);
    await h.send(data.records.map((r) => h.recordMessage(r)));
    await sleep(2000);
    await b.kill('SIGKILL');
    const d = await h.start();
    const got = await h.aggregates(expected.length, 180_000, 3000);
    expect(canonicalMessages(got)).toEqual(expected);
    expect(await rowsPerWindow(h, data.agreements.map((x) => x.id))).toBe(data.records.length);
    const survivors: ServiceProcess[] = [a, c, d];
    expect(survivors.every((p) => p.lines.some((l) => /partitions assigned/.test(l)))).toBe(true);
  }, 600_000);

  it('pauses while Cassandra is down for 30 s, reports not-ready, and resumes by itself', async (ctx) => {
    // Stopping the shared server is only possible with the local JVMs of infra/.
    if (testServers().cassandra.contactPoints.join(',') !== cassandraContactPoints.join(',') || process.env.CASSANDRA_CONTACT_POINTS) ctx.skip();
    h = new IngesterHarness(3);
    await h.createTopics();
    const data = faultDataset(6, 2);
    const expected = expectedAggregates(data);
    await h.send(data.agreements.map((x) => h.agreementMessage(x)));
    const p = await h.start();
    const port = Number(/"port":(\d+)/.exec(p.lines.find((l) => /ingester ready/.test(l)) ?? '')?.[1]);
    const half = Math.floor(data.records.length / 2);
    await h.send(data.records.slice(0, half).map((r) => h.recordMessage(r)));
    await sleep(1500);
    await stopLocalInfra(() => undefined, { kafka: false, cassandra: true });
    try {
      // The second half arrives while Cassandra is down: the ingester must wait, not lose it.
      await h.send(data.records.slice(half).map((r) => h.recordMessage(r)));
      await sleep(30_000);
      const ready = await fetch(`http://127.0.0.1:${port}/health/ready`);
      expect(ready.status).toBe(503);
      expect(await fetch(`http://127.0.0.1:${port}/health/live`).then((r) => r.status)).toBe(200);
    } finally {
      await startLocalInfra(() => undefined, { kafka: false, cassandra: true });
    }
    const got = await h.aggregates(expected.length, 240_000, 3000);
    expect(canonicalMessages(got)).toEqual(expected);
    expect(await rowsPerWindow(h, data.agreements.map((x) => x.id))).toBe(data.records.length);
    expect(p.lines.some((l) => /Cassandra writes succeed again/.test(l))).toBe(true);
  }, 600_000);
});
