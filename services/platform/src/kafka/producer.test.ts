import { describe, expect, it } from 'vitest';
import { chunkBySize } from './producer';

describe('chunkBySize', () => {
  it('keeps every message, in order, in sends of bounded size', () => {
    const messages = Array.from({ length: 1000 }, (_, i) => ({ topic: 't', key: `k${i}`, value: 'x'.repeat(2000) }));
    const chunks = chunkBySize(messages, 100_000);
    expect(chunks.flat()).toEqual(messages);
    expect(chunks.length).toBeGreaterThan(10);
    for (const c of chunks) expect(c.reduce((s, m) => s + (m.value?.length ?? 0), 0)).toBeLessThanOrEqual(100_000);
  });
  it('puts a single oversized message alone and returns nothing for no messages', () => {
    expect(chunkBySize([{ topic: 't', key: null, value: 'x'.repeat(10) }], 1)).toHaveLength(1);
    expect(chunkBySize([])).toEqual([]);
  });
});
