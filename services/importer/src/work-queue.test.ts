import { describe, expect, it } from 'vitest';
import { WorkQueue } from './work-queue';

describe('WorkQueue', () => {
  it('keeps arrival order and holds a waiting file once', () => {
    const q = new WorkQueue();
    q.offer('a');
    q.offer('b');
    q.offer('a');
    expect(q.length).toBe(2);
    expect(q.next()).toBe('a');
    expect(q.next()).toBe('a'); // still current until done
    expect(q.done()).toBe(false);
    expect(q.next()).toBe('b');
    q.done();
    expect(q.next()).toBeUndefined();
  });

  it('queues a file again when it changed while it was being imported', () => {
    const q = new WorkQueue();
    q.offer('a');
    q.offer('b');
    expect(q.next()).toBe('a');
    q.offer('a'); // a change event during the import
    q.offer('a');
    expect(q.length).toBe(2);
    expect(q.done()).toBe(true);
    expect(q.next()).toBe('b');
    q.done();
    expect(q.next()).toBe('a');
    expect(q.done()).toBe(false);
    expect(q.next()).toBeUndefined();
  });
});
