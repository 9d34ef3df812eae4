import { describe, expect, it } from 'vitest';
import { decodeSnapshot, encodeSnapshot, SnapshotRejected, type Snapshot } from './local-snapshot';

const snap: Snapshot = {
  topic: 'changelog',
  partition: 3,
  offset: 12_345_678_901_234_567n,
  writtenAt: 1_700_000_000_000,
  entries: [
    ['48500000001', { v: 1, kind: 'matching', partition: 3, agreements: [] }],
    ['a1|2020-01', { v: 1, kind: 'window', partition: 3, totalBytes: 9_223_372_036_854_775_807n }],
    ['partition:3', { v: 1, kind: 'partition', partition: 3, maxRecordedAt: 5, appliedWatermark: null }],
  ],
};
const at = { topic: 'changelog', partition: 3 };
const rejected = (bytes: Buffer, expected = at) => {
  try {
    decodeSnapshot(bytes, expected);
  } catch (err) {
    if (err instanceof SnapshotRejected) return err.reason;
    throw err;
  }
  return 'accepted';
};

describe('local snapshot format', () => {
  it('round-trips entries exactly (bigints digit for digit), the offset and the time', () => {
    expect(decodeSnapshot(encodeSnapshot(snap), at)).toEqual(snap);
    expect(decodeSnapshot(encodeSnapshot({ ...snap, entries: [] }), at).entries).toEqual([]);
  });

  it('round-trips more entries than one slice, with text beyond ASCII', () => {
    const many: Snapshot = { ...snap, entries: Array.from({ length: 12_345 }, (_, i): [string, unknown] => [`k${i}`, { v: 1, partition: 3, zone: 'Europe/Kraków', n: i }]) };
    expect(decodeSnapshot(encodeSnapshot(many), at)).toEqual(many);
  });

  it('rejects any flipped byte, a truncated file and an empty one', () => {
    const bytes = encodeSnapshot(snap);
    const nl = bytes.indexOf(0x0a);
    for (const i of [nl + 1, nl + 40, bytes.length - 2]) {
      const bad = Buffer.from(bytes);
      bad[i] = bad[i]! ^ 0x01;
      expect(rejected(bad)).toBe('checksum');
    }
    expect(rejected(bytes.subarray(0, bytes.length - 10))).toBe('checksum');
    expect(rejected(bytes.subarray(0, nl - 3))).toBe('malformed');
    expect(rejected(Buffer.alloc(0))).toBe('malformed');
    const header = Buffer.from(bytes);
    header[5] = 0x7b;
    expect(rejected(header)).toBe('malformed');
  });

  it('rejects another version, topic or partition', () => {
    const text = encodeSnapshot(snap).toString('utf8');
    expect(rejected(Buffer.from(text.replace('"version":1', '"version":2')))).toBe('version');
    expect(rejected(encodeSnapshot(snap), { topic: 'other', partition: 3 })).toBe('other-topic');
    expect(rejected(encodeSnapshot(snap), { topic: 'changelog', partition: 4 })).toBe('other-partition');
  });
});
