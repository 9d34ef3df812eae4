import { describe, expect, it } from 'vitest';
import type { GroupView } from '@mobilecs/platform';
import { GroupViewCache } from './group-view-cache';

function setup(state: GroupView['state'] = 'Stable') {
  let now = 0;
  let reads = 0;
  let release: (() => void) | undefined;
  let hold = false;
  const cache = new GroupViewCache(
    async () => {
      reads++;
      if (hold) await new Promise<void>((r) => (release = r));
      return { groupId: 'g', state, members: [] };
    },
    () => now,
    1000,
    200,
  );
  return {
    cache,
    reads: () => reads,
    at: (t: number) => (now = t),
    hold: (h: boolean) => (hold = h),
    release: () => release?.(),
  };
}

describe('GroupViewCache', () => {
  it('reads the group at most once a second while it is Stable', async () => {
    const s = setup();
    await s.cache.get();
    s.at(999);
    await s.cache.get();
    expect(s.reads()).toBe(1);
    s.at(1000);
    await s.cache.get();
    expect(s.reads()).toBe(2);
  });
  it('reads a rebalancing group again after 200 ms', async () => {
    const s = setup('PreparingRebalance');
    await s.cache.get();
    s.at(199);
    await s.cache.get();
    s.at(200);
    await s.cache.get();
    expect(s.reads()).toBe(2);
  });
  it('reads again at once after a rebalance this instance saw, and does not keep a read that started before it', async () => {
    const s = setup();
    await s.cache.get();
    s.cache.invalidate();
    await s.cache.get();
    expect(s.reads()).toBe(2);
    s.hold(true);
    s.cache.invalidate();
    const pending = s.cache.get();
    s.cache.invalidate();
    s.release();
    await pending;
    s.hold(false);
    await s.cache.get();
    expect(s.reads()).toBe(4);
  });
  it('concurrent requests share one read', async () => {
    const s = setup();
    s.hold(true);
    const both = Promise.all([s.cache.get(), s.cache.get()]);
    await Promise.resolve();
    s.release();
    await both;
    expect(s.reads()).toBe(1);
  });
});
