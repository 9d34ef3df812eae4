// The ingester's semantics end to end (real Kafka, real Cassandra, ingester as a child
// process), against expected results computed HERE from the inputs — independently of
// libs/windowing: billing months and period ends come from Intl.DateTimeFormat, matching
// and the window rules are re-implemented from ../shared/spec/system.md §4–§5.
import { afterEach, describe, expect, it } from 'vitest';
import type { Agreement, ImportedRecord } from '@mobilecs/domain';
import type { IncomingMessage } from '@mobilecs/platform';
import { IngesterHarness } from './ingester-harness';

// ---- deterministic inputs ---------------------------------------------------------------

/** mulberry32: a small seeded PRNG, so every run produces the same inputs. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const int = (rnd: () => number, min: number, max: number): number => min + Math.floor(rnd() * (max - min + 1));

/** A random (v4-shaped) UUID from the PRNG. */
function uuid(rnd: () => number): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(rnd() * 16).toString(16));
  hex[12] = '4';
  hex[16] = '89ab'[Math.floor(rnd() * 4)]!;
  const s = hex.join('');
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
}

function record(rnd: () => number, msisdn: string, recordedAt: number, recordedBytes: number): ImportedRecord {
  return { externalId: uuid(rnd), recordedAt, msisdn, recordedBytes: BigInt(recordedBytes), internalId: uuid(rnd) };
}

function agreement(rnd: () => number, msisdn: string, serviceStartAt: number, zone: string, maxBytes: number, signedAt = serviceStartAt - 7 * DAY): Agreement {
  return { id: uuid(rnd), msisdn, signedAt, serviceStartAt, billingPeriodTimeZone: zone, maxBytesInBillingPeriod: BigInt(maxBytes) };
}

const DAY = 86_400_000;
const HOUR = 3_600_000;
const utc = (iso: string): number => Date.parse(iso);

// ---- calendar, independently of libs/windowing ----------------------------------------------

const formatters = new Map<string, Intl.DateTimeFormat>();
function zoned(ms: number, zone: string): { year: number; month: number; day: number; hour: number; minute: number; second: number } {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(zone, f);
  }
  const parts = Object.fromEntries(f.formatToParts(new Date(ms)).map((p) => [p.type, p.value]));
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    second: Number(parts.second),
  };
}

/** The calendar month, in `zone`, that contains the instant. */
function monthIn(ms: number, zone: string): { year: number; month: number } {
  const z = zoned(ms, zone);
  return { year: z.year, month: z.month };
}

/** The instant of 00:00 local time on the 1st of (year, month) in `zone`. */
function firstInstantOfMonth(year: number, month: number, zone: string): number {
  const target = Date.UTC(year, month - 1, 1);
  let t = target;
  for (let i = 0; i < 4; i++) {
    const z = zoned(t, zone);
    const wall = Date.UTC(z.year, z.month - 1, z.day, z.hour, z.minute, z.second);
    t += target - wall;
  }
  const at = zoned(t, zone);
  const before = zoned(t - 1, zone);
  if (at.day !== 1 || at.hour !== 0 || at.minute !== 0 || at.second !== 0 || before.day === 1) {
    throw new Error(`cannot find 00:00 of ${year}-${month}-01 in ${zone}`);
  }
  return t;
}

/** First instant of the next month in the zone: the period's (exclusive) end. */
function periodEnd(year: number, month: number, zone: string): number {
  return month === 12 ? firstInstantOfMonth(year + 1, 1, zone) : firstInstantOfMonth(year, month + 1, zone);
}

// ---- the expected result, from the spec ---------------------------------------------------

interface ExpectedMessage {
  key: string;
  timestamp: number;
  value: Record<string, unknown>;
}

interface Window {
  agreement: Agreement;
  year: number;
  month: number;
  end: number;
  total: number;
  latestAt: number;
  latestId: string;
  count: number;
  exceeded: boolean;
}

/**
 * Runs the spec's rules over the records in arrival order (only their per-msisdn order
 * matters) with a watermark that ends at `finalWatermark`; no record may be late.
 */
function expectedResult(agreements: Agreement[], arrival: ImportedRecord[], finalWatermark: number) {
  const windows = new Map<string, Window>();
  const messages = new Map<string, ExpectedMessage>();
  const msg = (w: Window, type: string): [string, ExpectedMessage] => [
    `${w.agreement.id}|${w.year}|${w.month}|${type}`,
    {
      key: w.agreement.id,
      timestamp: w.end - 1,
      value: {
        agreementId: w.agreement.id,
        year: w.year,
        month: w.month,
        latestRecordedAt: new Date(w.latestAt).toISOString(),
        latestInternalRecordId: w.latestId,
        totalRecordedBytes: w.total,
        billingPeriodTimeZone: w.agreement.billingPeriodTimeZone,
        maxBytesInBillingPeriod: Number(w.agreement.maxBytesInBillingPeriod),
        type,
      },
    },
  ];
  for (const r of arrival) {
    // latest serviceStartAt strictly before recordedAt; ties: latest signedAt
    const candidates = agreements.filter((a) => a.msisdn === r.msisdn && a.serviceStartAt < r.recordedAt);
    candidates.sort((a, b) => b.serviceStartAt - a.serviceStartAt || b.signedAt - a.signedAt);
    const a = candidates[0];
    if (!a) throw new Error(`test data error: record ${r.internalId} has no agreement`);
    const { year, month } = monthIn(r.recordedAt, a.billingPeriodTimeZone);
    const key = `${a.id}|${year}|${month}`;
    let w = windows.get(key);
    if (!w) {
      w = { agreement: a, year, month, end: periodEnd(year, month, a.billingPeriodTimeZone), total: 0, latestAt: -Infinity, latestId: '', count: 0, exceeded: false };
      windows.set(key, w);
    }
    w.total += Number(r.recordedBytes);
    w.count++;
    if (r.recordedAt >= w.latestAt) {
      w.latestAt = r.recordedAt;
      w.latestId = r.internalId;
    }
    if (!w.exceeded && w.total >= Number(a.maxBytesInBillingPeriod)) {
      w.exceeded = true;
      const [k, m] = msg(w, 'DATA_PLAN_EXCEEDED');
      messages.set(k, m);
    }
  }
  const closed: Window[] = [];
  for (const w of windows.values()) {
    if (w.end - 1 <= finalWatermark) {
      closed.push(w);
      const [k, m] = msg(w, 'BILLING_PERIOD_CLOSED');
      messages.set(k, m);
    }
  }
  return { windows: [...windows.values()], closed, messages };
}

/** Published aggregates keyed like the expected ones; duplicates fail the test. */
function keyed(got: IncomingMessage[]): Map<string, ExpectedMessage> {
  const out = new Map<string, ExpectedMessage>();
  for (const m of got) {
    const value = JSON.parse(m.value?.toString('utf8') ?? 'null') as Record<string, unknown>;
    const k = `${String(value.agreementId)}|${String(value.year)}|${String(value.month)}|${String(value.type)}`;
    expect(out.has(k), `duplicate aggregate ${k}`).toBe(false);
    out.set(k, { key: m.key ?? '', timestamp: m.timestamp, value });
  }
  return out;
}

function sortedEntries(m: Map<string, ExpectedMessage>): [string, ExpectedMessage][] {
  return [...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Row count and byte sum per (agreement, year, month) in Cassandra. */
async function storedWindows(h: IngesterHarness, keys: { agreementId: string; year: number; month: number }[]): Promise<Map<string, { rows: number; bytes: number }>> {
  const c = await h.cassandra();
  try {
    const out = new Map<string, { rows: number; bytes: number }>();
    const queue = [...keys];
    const worker = async () => {
      for (let k = queue.shift(); k; k = queue.shift()) {
        const rs = await c.execute(`SELECT recorded_bytes FROM ${h.keyspace}.data_record WHERE agreement_id = ? AND year = ? AND month = ?`, [k.agreementId, k.year, k.month], {
          prepare: true,
          fetchSize: 100_000,
        });
        const bytes = rs.rows.reduce((s, r) => s + (r.get('recorded_bytes') as bigint), 0n);
        out.set(`${k.agreementId}|${k.year}|${k.month}`, { rows: rs.rows.length, bytes: Number(bytes) });
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    return out;
  } finally {
    await c.shutdown();
  }
}

function parse(m: IncomingMessage): Record<string, unknown> {
  return JSON.parse(m.value?.toString('utf8') ?? 'null') as Record<string, unknown>;
}

/** Sends agreements and waits until the ingester has consumed them, so records never race them. */
async function sendAgreements(h: IngesterHarness, agreements: Agreement[], alreadyConsumed = 0): Promise<void> {
  await h.send(agreements.map((a) => h.agreementMessage(a)));
  await h.waitForMetric('ingester_messages_in_total', alreadyConsumed + agreements.length, { topic: 'agreements' });
}

async function sendRecords(h: IngesterHarness, records: ImportedRecord[], alreadyConsumed = 0): Promise<void> {
  await h.send(records.map((r) => h.recordMessage(r)));
  await h.waitForMetric('ingester_messages_in_total', alreadyConsumed + records.length, { topic: 'incoming-data-records' });
}

/** n distinct msisdns whose partitions are given by `partitions` (one msisdn per entry). */
function msisdnsOn(h: IngesterHarness, rnd: () => number, partitions: number[]): string[] {
  const out: string[] = [];
  for (const p of partitions) {
    for (;;) {
      const m = `48${String(int(rnd, 100_000_000, 999_999_999))}`;
      if (h.partitionOf(m) === p && !out.includes(m)) {
        out.push(m);
        break;
      }
    }
  }
  return out;
}

const agreementOf = (a: Agreement, year: number, month: number) => ({ agreementId: a.id, year, month });

// ---- the tests ----------------------------------------------------------------------------

describe('ingester behaviour (real Kafka + Cassandra, expected results computed independently)', () => {
  let h: IngesterHarness | undefined;
  afterEach(async () => {
    await h?.cleanUp();
    h = undefined;
  });

  it('self-check of the test calendar: DST months and zone offsets', () => {
    // Warsaw: CET +1 in winter, CEST +2 from 2020-03-29 01:00Z to 2020-10-25 01:00Z.
    expect(firstInstantOfMonth(2020, 3, 'Europe/Warsaw')).toBe(utc('2020-02-29T23:00:00Z'));
    expect(firstInstantOfMonth(2020, 4, 'Europe/Warsaw')).toBe(utc('2020-03-31T22:00:00Z'));
    expect(firstInstantOfMonth(2020, 11, 'Europe/Warsaw')).toBe(utc('2020-10-31T23:00:00Z'));
    expect(firstInstantOfMonth(2020, 4, 'America/St_Johns')).toBe(utc('2020-04-01T02:30:00Z'));
    expect(firstInstantOfMonth(2020, 1, 'America/St_Johns')).toBe(utc('2020-01-01T03:30:00Z'));
    expect(firstInstantOfMonth(2020, 2, 'Asia/Kolkata')).toBe(utc('2020-01-31T18:30:00Z'));
    expect(monthIn(utc('2020-01-31T18:29:59.999Z'), 'Asia/Kolkata')).toEqual({ year: 2020, month: 1 });
    expect(monthIn(utc('2020-01-31T18:30:00Z'), 'Asia/Kolkata')).toEqual({ year: 2020, month: 2 });
    expect(periodEnd(2020, 12, 'Europe/Warsaw')).toBe(utc('2020-12-31T23:00:00Z'));
  });

  it('many agreements over 2020 across DST changes in three zones, 6 partitions: exactly the independently computed aggregates and rows', async () => {
    const rnd = prng(20_200_329);
    h = new IngesterHarness(6, { INGESTER_IDLE_TIMEOUT_MS: '60000' });
    await h.createTopics();
    const zones = ['Europe/Warsaw', 'America/St_Johns', 'Asia/Kolkata', 'Europe/Warsaw'];
    const msisdns = msisdnsOn(
      h,
      rnd,
      Array.from({ length: 20 }, (_, i) => i % 6),
    );
    const agreements: Agreement[] = [];
    const records: ImportedRecord[] = [];
    const yearStart = utc('2020-01-01T00:00:00Z');
    const yearEnd = utc('2021-01-01T00:00:00Z');
    // Mid-January 2021 in every zone, the same for all msisdns, so the final watermark does not
    // depend on which partition goes quiet first. (Not "far in the future": Kafka 4 rejects
    // timestamps more than message.timestamp.after.max.ms = 1 h ahead — see the report.)
    const finalAt = utc('2021-01-15T00:00:00Z');
    const primeAt = utc('2019-12-28T00:00:00Z'); // after every first service start, before every other record
    const dstChanges = [utc('2020-03-29T01:00:00Z'), utc('2020-10-25T01:00:00Z')];
    for (const [i, msisdn] of msisdns.entries()) {
      const zone = zones[i % zones.length]!;
      const first = agreement(rnd, msisdn, utc('2019-12-20T00:00:00Z') + int(rnd, 0, 5 * DAY), zone, int(rnd, 2e9, 1.5e10));
      agreements.push(first);
      const zonesOfMsisdn = [zone];
      if (i % 4 === 1) {
        // A second agreement from mid-year, in another zone: later records belong to it.
        const start = utc('2020-04-01T00:00:00Z') + int(rnd, 0, 150 * DAY);
        const zone2 = zones[(i + 1) % zones.length]!;
        agreements.push(agreement(rnd, msisdn, start, zone2, int(rnd, 2e9, 1.5e10)));
        zonesOfMsisdn.push(zone2);
        // exactly at the second service start (still the first agreement's) and 1 ms after it
        records.push(record(rnd, msisdn, start, int(rnd, 0, 1e9)), record(rnd, msisdn, start + 1, int(rnd, 0, 1e9)));
      }
      for (let k = 0; k < 120; k++) records.push(record(rnd, msisdn, int(rnd, yearStart, yearEnd - 1), int(rnd, 0, 1e9)));
      // around every month boundary of each of its zones (incl. exactly on it and 1 ms before)
      for (const z of zonesOfMsisdn) {
        for (let m = 1; m <= 12; m++) {
          const b = firstInstantOfMonth(2020, m, z);
          if (b <= first.serviceStartAt) continue;
          records.push(record(rnd, msisdn, b - 1, int(rnd, 0, 1e9)), record(rnd, msisdn, b, int(rnd, 0, 1e9)));
          records.push(record(rnd, msisdn, b + int(rnd, -6 * HOUR, 6 * HOUR), int(rnd, 0, 1e9)));
        }
      }
      // around the DST changes
      for (const d of dstChanges) for (let k = 0; k < 3; k++) records.push(record(rnd, msisdn, d + int(rnd, -2 * HOUR, 2 * HOUR), int(rnd, 0, 1e9)));
      records.push(record(rnd, msisdn, finalAt, 0));
      // one record per msisdn at the same earliest instant, sent first (see below)
      records.push(record(rnd, msisdn, primeAt, int(rnd, 0, 1e9)));
    }
    // One global time order (stable): every partition then delivers its records in time order.
    const arrival = records.map((r, i) => ({ r, i })).sort((a, b) => a.r.recordedAt - b.r.recordedAt || a.i - b.i).map((x) => x.r);
    const expected = expectedResult(agreements, arrival, finalAt - 1);
    // the data covers what it should
    expect(new Set(msisdns.map((m) => h!.partitionOf(m))).size).toBe(6);
    expect(expected.closed.some((w) => w.month === 12 && w.year === 2019)).toBe(true); // St_Johns' local Dec 2019
    expect([...expected.messages.values()].filter((m) => m.value.type === 'DATA_PLAN_EXCEEDED').length).toBeGreaterThan(20);
    expect(expected.closed.some((w) => w.total > 2 ** 32)).toBe(true);

    await h.start();
    await sendAgreements(h, agreements);
    const t0 = Date.now();
    // First one record per msisdn, all at the same instant (whatever partition is read first,
    // nothing can close), so no partition counts as idle and never used any more when the rest
    // arrives — see the skipped test on that race below.
    const prime = msisdns.length;
    expect(arrival.slice(0, prime).every((r) => r.recordedAt === primeAt)).toBe(true);
    expect(arrival[prime]!.recordedAt).toBeGreaterThan(primeAt);
    await sendRecords(h, arrival.slice(0, prime));
    await sendRecords(h, arrival.slice(prime), prime);
    const got = await h.aggregates(expected.messages.size, 120_000, 3000);
    console.log(`${arrival.length} records, ${expected.messages.size} aggregates in ${Date.now() - t0} ms`);
    expect(got).toHaveLength(expected.messages.size);
    expect(sortedEntries(keyed(got))).toEqual(sortedEntries(expected.messages));
    expect(await h.read('dataRecordsLate', 0, 0, 500)).toEqual([]);
    expect(await h.read('deadLetters', 0, 0, 500)).toEqual([]);

    // Cassandra: every record stored once, in the month of its agreement's zone; closed windows sum to their total.
    const stored = await storedWindows(
      h,
      expected.windows.map((w) => agreementOf(w.agreement, w.year, w.month)),
    );
    for (const w of expected.windows) {
      const s = stored.get(`${w.agreement.id}|${w.year}|${w.month}`);
      expect(s?.rows, `rows of ${w.agreement.id} ${w.year}-${w.month}`).toBe(w.count);
      if (w.end - 1 <= finalAt - 1) expect(s?.bytes, `bytes of ${w.agreement.id} ${w.year}-${w.month}`).toBe(w.total);
    }
    expect(expected.windows.reduce((s, w) => s + w.count, 0)).toBe(arrival.length);
  });

  /** 6 msisdns, one per partition, with daily records from 1 January to 15 March 2020, in time order. */
  function sixPartitionFeed(rnd: () => number) {
    const msisdns = msisdnsOn(h!, rnd, [0, 1, 2, 3, 4, 5]);
    const agreements = msisdns.map((m) => agreement(rnd, m, utc('2019-12-01T00:00:00Z'), 'Europe/Warsaw', 1e15));
    const records: ImportedRecord[] = [];
    for (let d = 0; d < 75; d++) for (const m of msisdns) records.push(record(rnd, m, utc('2020-01-01T12:00:00Z') + d * DAY, 1000 + d));
    const expected = expectedResult(agreements, records, utc('2020-03-15T12:00:00Z') - 1);
    return { agreements, records, expected };
  }

  async function expectSixPartitionResult(expected: ReturnType<typeof expectedResult>): Promise<void> {
    expect(expected.messages.size).toBe(12); // January and February of 6 agreements
    const got = await h!.aggregates(expected.messages.size, 30_000, 2000);
    const late = await h!.read('dataRecordsLate', 0, 0, 500);
    const lateByWindow = new Map<string, string[]>();
    for (const v of late.map(parse)) {
      const k = `${String(v.agreementId)}|${String(v.year)}-${String(v.month)}`;
      lateByWindow.set(k, [...(lateByWindow.get(k) ?? []), String(v.recordedAt)]);
    }
    const diagnosis = JSON.stringify([...lateByWindow].map(([k, v]) => ({ window: k, late: v.length, from: v[0], to: v[v.length - 1] })));
    expect({ aggregates: got.length, late: late.length }, diagnosis).toEqual({ aggregates: 12, late: 0 });
    expect(sortedEntries(keyed(got))).toEqual(sortedEntries(expected.messages));
  }

  it('records reaching several empty partitions at once while the ingester runs: none is late', async () => {
    const rnd = prng(23);
    h = new IngesterHarness(6, { INGESTER_IDLE_TIMEOUT_MS: '60000' });
    await h.createTopics();
    const { agreements, records, expected } = sixPartitionFeed(rnd);
    await h.start();
    await sendAgreements(h, agreements);
    await new Promise((r) => setTimeout(r, 1000)); // the tick has seen 6 empty (hence idle) partitions
    await sendRecords(h, records);
    await expectSixPartitionResult(expected);
  });

  it('agreements and records already in Kafka when the ingester starts (backfill): the same result as live', async () => {
    const rnd = prng(29);
    h = new IngesterHarness(6, { INGESTER_IDLE_TIMEOUT_MS: '60000' });
    await h.createTopics();
    const { agreements, records, expected } = sixPartitionFeed(rnd);
    await h.send(agreements.map((a) => h!.agreementMessage(a)));
    await h.send(records.map((r) => h!.recordMessage(r)));
    await h.start();
    await expectSixPartitionResult(expected);
  });

  it('live: DATA_PLAN_EXCEEDED of the current month is published (its timestamp, the month end − 1 ms, is in the future)', async () => {
    const rnd = prng(31);
    h = new IngesterHarness(3);
    await h.createTopics();
    const [msisdn] = msisdnsOn(h, rnd, [0]) as [string];
    const now = Date.now();
    const a = agreement(rnd, msisdn, now - 40 * DAY, 'Europe/Warsaw', 100);
    const r = record(rnd, msisdn, now - 60_000, 100);
    const expected = expectedResult([a], [r], now - 60_001);
    expect(expected.messages.size).toBe(1);
    await h.start();
    await sendAgreements(h, [a]);
    await sendRecords(h, [r]);
    const got = await h.aggregates(1, 15_000, 1000);
    expect(sortedEntries(keyed(got))).toEqual(sortedEntries(expected.messages));
  });

  it('out of order between msisdns: one msisdn far ahead on its partition makes nothing late on another, non-idle partition', async () => {
    const rnd = prng(7);
    h = new IngesterHarness(3, { INGESTER_IDLE_TIMEOUT_MS: '30000' });
    await h.createTopics();
    const [ahead, behind] = msisdnsOn(h, rnd, [0, 1]) as [string, string];
    const aheadAgreement = agreement(rnd, ahead, utc('2019-12-01T00:00:00Z'), 'Europe/Warsaw', 1e15);
    const behindAgreement = agreement(rnd, behind, utc('2019-12-01T00:00:00Z'), 'Asia/Kolkata', 1e15);
    await h.start();
    await sendAgreements(h, [aheadAgreement, behindAgreement]);

    // 1. `behind` reaches 5 January; then `ahead` runs to June.
    const behind1 = [record(rnd, behind, utc('2020-01-05T00:00:00Z'), 1)];
    const aheadRecords = [1, 2, 3, 4, 5, 6].map((m) => record(rnd, ahead, utc(`2020-0${m}-10T12:00:00Z`), 1000 * m));
    await sendRecords(h, behind1);
    await sendRecords(h, aheadRecords, 1);
    // 2. `behind` goes on in January (17 h before its month ends in Kolkata), then February.
    const behind2 = [
      record(rnd, behind, utc('2020-01-20T00:00:00Z'), 10),
      record(rnd, behind, utc('2020-01-31T18:29:59.999Z'), 100), // still January in Kolkata
      record(rnd, behind, utc('2020-01-31T18:30:00Z'), 1000), // February in Kolkata: closes January
      record(rnd, behind, utc('2020-02-15T00:00:00Z'), 10_000),
    ];
    await sendRecords(h, behind2, 7);
    const firstClose = await h.aggregates(2, 60_000, 2000);
    const expectedFirst = expectedResult([aheadAgreement, behindAgreement], [...aheadRecords, ...behind1, ...behind2], utc('2020-02-15T00:00:00Z') - 1);
    expect(sortedEntries(keyed(firstClose))).toEqual(sortedEntries(expectedFirst.messages));
    const behindJan = expectedFirst.messages.get(`${behindAgreement.id}|2020|1|BILLING_PERIOD_CLOSED`);
    expect(behindJan?.value.totalRecordedBytes).toBe(111); // all three January records of `behind` counted

    // 3. `behind` jumps to July: the watermark is now `ahead`'s 10 June.
    const behind3 = [record(rnd, behind, utc('2020-07-01T00:00:00Z'), 5)];
    await sendRecords(h, behind3, 11);
    const all = [...aheadRecords, ...behind1, ...behind2, ...behind3];
    const expectedAll = expectedResult([aheadAgreement, behindAgreement], all, utc('2020-06-10T12:00:00Z') - 1);
    expect(expectedAll.messages.size).toBe(7); // ahead Jan–May, behind Jan–Feb
    const got = await h.aggregates(expectedAll.messages.size, 60_000, 2000);
    expect(got).toHaveLength(7);
    expect(sortedEntries(keyed(got))).toEqual(sortedEntries(expectedAll.messages));
    expect(await h.read('dataRecordsLate', 0, 0, 500)).toEqual([]);
    expect(await h.metric('ingester_records_late_total')).toBe(0);
  });

  it('records arriving before their agreement are held, then released in their original order and counted once', async () => {
    const rnd = prng(11);
    h = new IngesterHarness(3, { INGESTER_IDLE_TIMEOUT_MS: '30000' });
    await h.createTopics();
    const [msisdn] = msisdnsOn(h, rnd, [2]) as [string];
    const a = agreement(rnd, msisdn, utc('2020-02-01T00:00:00Z'), 'Europe/Warsaw', 300, utc('2020-01-15T00:00:00Z'));
    // The order decides DATA_PLAN_EXCEEDED: in arrival order the 2nd record reaches 300;
    // any other release order would report another total or latest record.
    const held = [
      record(rnd, msisdn, utc('2020-03-03T10:00:00Z'), 100),
      record(rnd, msisdn, utc('2020-03-10T10:00:00Z'), 200),
      record(rnd, msisdn, utc('2020-03-20T10:00:00Z'), 50),
    ];
    await h.start();
    await sendRecords(h, held);
    // the ingester published nothing and stored nothing while it had no agreement
    await new Promise((r) => setTimeout(r, 1000));
    expect(await h.metric('ingester_msisdns_holding_records')).toBe(1);
    expect(await h.metric('ingester_records_matched_total')).toBe(0);
    expect(await h.read('dataRecordsAggregates', 0, 0, 500)).toEqual([]);

    await sendAgreements(h, [a]);
    const after = [record(rnd, msisdn, utc('2020-03-31T21:59:59.999Z'), 1), record(rnd, msisdn, utc('2020-04-05T00:00:00Z'), 7)];
    await sendRecords(h, after, held.length);
    const expected = expectedResult([a], [...held, ...after], utc('2020-04-05T00:00:00Z') - 1);
    expect(expected.messages.get(`${a.id}|2020|3|DATA_PLAN_EXCEEDED`)?.value).toMatchObject({ totalRecordedBytes: 300, latestInternalRecordId: held[1]!.internalId });
    const got = await h.aggregates(expected.messages.size, 60_000, 2000);
    expect(got).toHaveLength(2);
    expect(sortedEntries(keyed(got))).toEqual(sortedEntries(expected.messages));
    expect(await h.metric('ingester_records_matched_total')).toBe(5);
    expect(await h.metric('ingester_msisdns_holding_records')).toBe(0);
    const stored = await storedWindows(h, [agreementOf(a, 2020, 3), agreementOf(a, 2020, 4)]);
    expect(stored.get(`${a.id}|2020|3`)).toEqual({ rows: 4, bytes: 351 });
    expect(stored.get(`${a.id}|2020|4`)).toEqual({ rows: 1, bytes: 7 });
    expect(await h.read('deadLetters', 0, 0, 500)).toEqual([]);
  });

  it('two agreements of one msisdn: records match the latest serviceStartAt strictly before them, ties by the latest signedAt', async () => {
    const rnd = prng(13);
    h = new IngesterHarness(3);
    await h.createTopics();
    const [msisdn] = msisdnsOn(h, rnd, [1]) as [string];
    const start2 = utc('2020-02-15T12:00:00Z');
    const a1 = agreement(rnd, msisdn, utc('2020-01-01T00:00:00Z'), 'Europe/Warsaw', 1e12, utc('2019-12-01T00:00:00Z'));
    const a2late = agreement(rnd, msisdn, start2, 'America/St_Johns', 1e12, utc('2020-02-03T00:00:00Z')); // same start, signed later: wins
    const a2early = agreement(rnd, msisdn, start2, 'Asia/Kolkata', 1e12, utc('2020-02-01T00:00:00Z')); // same start, signed earlier: never matches
    const future = agreement(rnd, msisdn, utc('2021-01-01T00:00:00Z'), 'Europe/Warsaw', 1e12, utc('2020-02-02T00:00:00Z')); // starts after every record
    await h.start();
    // the winner is not the last to arrive
    await sendAgreements(h, [a1, a2late, a2early, future]);
    const records = [
      record(rnd, msisdn, utc('2020-01-01T00:00:00Z'), 1), // exactly a1's start: no agreement yet → held, never released
      record(rnd, msisdn, utc('2020-01-10T00:00:00Z'), 2), // a1, January (Warsaw)
      record(rnd, msisdn, start2, 4), // exactly at a2's start: still a1, February
      record(rnd, msisdn, start2 + 1, 8), // a2late, February (St_Johns)
      record(rnd, msisdn, utc('2020-03-01T03:00:00Z'), 16), // a2late: still February in St_Johns (−3:30)
      record(rnd, msisdn, utc('2020-03-01T03:30:00Z'), 32), // a2late: March in St_Johns
      record(rnd, msisdn, utc('2020-04-01T12:00:00Z'), 64), // a2late, April: closes March
    ];
    await sendRecords(h, records);
    const matched = records.slice(1);
    const expected = expectedResult([a1, a2late, a2early, future], matched, utc('2020-04-01T12:00:00Z') - 1);
    const closedTotals = Object.fromEntries([...expected.messages.values()].map((m) => [`${m.value.agreementId === a1.id ? 'a1' : m.value.agreementId === a2late.id ? 'a2late' : 'other'}-${String(m.value.month)}`, m.value.totalRecordedBytes]));
    expect(closedTotals).toEqual({ 'a1-1': 2, 'a1-2': 4, 'a2late-2': 24, 'a2late-3': 32 });
    const got = await h.aggregates(expected.messages.size, 60_000, 2000);
    expect(got).toHaveLength(4);
    expect(sortedEntries(keyed(got))).toEqual(sortedEntries(expected.messages));
    const stored = await storedWindows(h, [
      agreementOf(a1, 2020, 1),
      agreementOf(a1, 2020, 2),
      agreementOf(a2late, 2020, 2),
      agreementOf(a2late, 2020, 3),
      agreementOf(a2late, 2020, 4),
      agreementOf(a2early, 2020, 2),
      agreementOf(a2early, 2020, 3),
    ]);
    expect(Object.fromEntries([...stored].map(([k, v]) => [k.replace(a1.id, 'a1').replace(a2late.id, 'a2late').replace(a2early.id, 'a2early'), v.rows]))).toEqual({
      'a1|2020|1': 1,
      'a1|2020|2': 1,
      'a2late|2020|2': 2,
      'a2late|2020|3': 1,
      'a2late|2020|4': 1,
      'a2early|2020|2': 0,
      'a2early|2020|3': 0,
    });
    // the record at exactly a1's service start is held (strictly before), not matched
    expect(await h.metric('ingester_records_matched_total')).toBe(6);
  });

  it('late records: stored in Cassandra, not counted in the closed window, reported on data-records-late keyed by agreementId', async () => {
    const rnd = prng(17);
    h = new IngesterHarness(3);
    await h.createTopics();
    const [m1, m2] = msisdnsOn(h, rnd, [0, 2]) as [string, string];
    const a1 = agreement(rnd, m1, utc('2019-12-01T00:00:00Z'), 'Europe/Warsaw', 1e12);
    const a2 = agreement(rnd, m2, utc('2019-12-01T00:00:00Z'), 'Europe/Warsaw', 1e12);
    await h.start();
    await sendAgreements(h, [a1, a2]);
    const jan10 = record(rnd, m1, utc('2020-01-10T00:00:00Z'), 1);
    const feb10 = record(rnd, m1, utc('2020-02-10T00:00:00Z'), 2);
    const lateSamePartition = record(rnd, m1, utc('2020-01-20T00:00:00Z'), 4); // after feb10 on the same partition
    await sendRecords(h, [jan10, feb10, lateSamePartition]);
    const janClosed = await h.aggregates(1, 60_000, 500);
    expect(janClosed.map(parse)).toMatchObject([{ agreementId: a1.id, year: 2020, month: 1, type: 'BILLING_PERIOD_CLOSED', totalRecordedBytes: 1 }]);
    // m2's partition never had a record, so it is idle: the watermark (10 Feb) applies to it too,
    // and its January record is late as well.
    const lateIdlePartition = record(rnd, m2, utc('2020-01-25T00:00:00Z'), 8);
    await sendRecords(h, [lateIdlePartition], 3);
    await sendRecords(h, [record(rnd, m1, utc('2020-03-10T00:00:00Z'), 16), record(rnd, m2, utc('2020-03-10T00:00:00Z'), 32)], 4);

    const got = await h.aggregates(2, 60_000, 2000);
    expect(got.map(parse)).toEqual([
      expect.objectContaining({ agreementId: a1.id, month: 1, type: 'BILLING_PERIOD_CLOSED', totalRecordedBytes: 1, latestInternalRecordId: jan10.internalId }),
      expect.objectContaining({ agreementId: a1.id, month: 2, type: 'BILLING_PERIOD_CLOSED', totalRecordedBytes: 2, latestInternalRecordId: feb10.internalId }),
    ]);
    const late = await h.read('dataRecordsLate', 2, 30_000, 1000);
    expect(late).toHaveLength(2);
    const byId = new Map(late.map((m) => [parse(m).internalRecordId, m]));
    for (const [r, a] of [
      [lateSamePartition, a1],
      [lateIdlePartition, a2],
    ] as const) {
      const m = byId.get(r.internalId);
      expect(m?.key).toBe(a.id);
      expect(parse(m!)).toMatchObject({ agreementId: a.id, year: 2020, month: 1, recordedAt: new Date(r.recordedAt).toISOString(), recordedBytes: Number(r.recordedBytes) });
    }
    expect(await h.metric('ingester_records_late_total')).toBe(2);
    const stored = await storedWindows(h, [agreementOf(a1, 2020, 1), agreementOf(a2, 2020, 1)]);
    expect(stored.get(`${a1.id}|2020|1`)).toEqual({ rows: 2, bytes: 5 }); // the late record is stored …
    expect(stored.get(`${a2.id}|2020|1`)).toEqual({ rows: 1, bytes: 8 });
    // … but never reopened January: no second January aggregate of either agreement
    expect(got.filter((m) => parse(m).month === 1)).toHaveLength(1);
  });
});
