import { afterEach, describe, expect, it } from 'vitest';
import { importedRecordCodec } from '@mobilecs/domain';
import { ImporterHarness } from './importer-harness';

const LINES = 100_000;

/** 100 000 valid lines over 50 msisdns, one day apart per line within each msisdn. */
function bigFile(): string {
  const out: string[] = [];
  const start = Date.UTC(2020, 0, 1, 23);
  for (let i = 0; i < LINES; i++) {
    const hex = i.toString(16).padStart(12, '0');
    const at = new Date(start + i * 60_000).toISOString().replace('.000Z', 'Z');
    out.push(`00000000-0000-4000-8000-${hex};${at};4860000${String(i % 50).padStart(4, '0')};${1000 + i}`);
  }
  return `${out.join('\n')}\n`;
}

describe('importer crash safety (real Kafka, SIGKILL)', () => {
  let h: ImporterHarness;
  afterEach(async () => {
    await h.stopAll();
  });

  it('after SIGKILL at random moments and restarts, every line is on the topic exactly once, in order', async () => {
    h = new ImporterHarness({ IMPORTER_TRANSACTION_LINES: '1000' });
    h.drop('big.csv', bigFile());
    const kills: number[] = [];
    for (let round = 0; round < 4; round++) {
      const importer = await h.start();
      // Let it publish for a random while, then kill it without warning.
      const ms = 300 + Math.floor(Math.random() * 1500);
      await new Promise((r) => setTimeout(r, ms));
      if (importer.lines.some((l) => /imported big.csv/.test(l))) break;
      kills.push(ms);
      await importer.kill('SIGKILL');
    }
    const last = await h.start();
    await last.waitForLog(/imported big.csv|big.csv was already imported/, 240_000);

    const records = await h.records(LINES, 120_000);
    const lines = records.map((m) => {
      const r = importedRecordCodec.decode(m.value ?? Buffer.alloc(0));
      if (!r.ok) throw r.error;
      return { partition: m.partition, line: r.value.source?.line ?? -1, offset: BigInt(m.offset) };
    });
    // Exactly once: every line 1..LINES, no duplicates, nothing else.
    expect(lines.length).toBe(LINES);
    expect(new Set(lines.map((l) => l.line)).size).toBe(LINES);
    expect(Math.min(...lines.map((l) => l.line))).toBe(1);
    expect(Math.max(...lines.map((l) => l.line))).toBe(LINES);
    // In order: within each partition, offsets follow line numbers.
    const byPartition = new Map<number, typeof lines>();
    for (const l of lines) byPartition.set(l.partition, [...(byPartition.get(l.partition) ?? []), l]);
    for (const list of byPartition.values()) {
      const sorted = [...list].sort((a, b) => (a.offset < b.offset ? -1 : 1));
      expect(sorted.map((l) => l.line)).toEqual([...sorted.map((l) => l.line)].sort((a, b) => a - b));
    }
    expect(kills.length).toBeGreaterThan(0);
  }, 400_000);
});
