import { describe, expect, it } from 'vitest';
import { InputProgress } from './partition-task';

describe('InputProgress.readThrough', () => {
  it('is read through an end the position reached', () => {
    const p = new InputProgress();
    p.restoredAt(5n);
    expect(p.readThrough(5n)).toBe(true);
    expect(p.readThrough(6n)).toBe(false);
  });

  it('a commit marker after the last record (one offset) and an aborted transaction (several) are passed only when the consumer said so', () => {
    const p = new InputProgress();
    p.restoredAt(10n);
    expect(p.readThrough(11n)).toBe(false); // unread record or marker: not known
    p.notePassed(11n);
    expect(p.readThrough(11n)).toBe(true);
    p.next = 11n;
    expect(p.readThrough(15n)).toBe(false);
    p.notePassed(15n); // 3 aborted messages + the abort marker
    expect(p.readThrough(15n)).toBe(true);
    expect(p.readThrough(16n)).toBe(false); // a new message after them
  });

  it('a gap passed before the position was restored starts at the committed offset; a seek back invalidates it', () => {
    const p = new InputProgress();
    p.notePassed(8n);
    expect(p.readThrough(8n)).toBe(false);
    p.restoredAt(6n);
    expect(p.readThrough(8n)).toBe(true);
    p.next = 3n; // processed again from an earlier offset: what lies in 3..6 is not known to be empty
    expect(p.readThrough(8n)).toBe(false);
  });
});
