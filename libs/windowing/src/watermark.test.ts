import { describe, expect, it } from 'vitest';
import { WatermarkTracker } from './watermark';

describe('WatermarkTracker', () => {
  it('does not move while an owned partition is held (its state still being restored), even if it is not tracked yet or idle', () => {
    const t = new WatermarkTracker({ idleTimeoutMs: 100 });
    t.observe(0, 1_000, 0);
    t.hold(1);
    expect(t.advance(0)).toEqual([]);
    expect(t.current()).toBeNull();
    t.setCaughtUp(0, true);
    expect(t.advance(500)).toEqual([]);
    expect(t.heldPartitions()).toEqual([1]);
    t.restore(1, 400, null);
    t.release(1);
    expect(t.advance(0)).toEqual([0, 1]);
    expect(t.current()).toBe(399);
    t.hold(2);
    t.revoke(2); // a held partition taken away no longer holds
    expect(t.heldPartitions()).toEqual([]);
  });

  it('per partition: highest recordedAt − out-of-orderness − 1 ms', () => {
    const t = new WatermarkTracker({ outOfOrdernessMs: 10, idleTimeoutMs: 100 });
    expect(t.partitionWatermark(0)).toBeNull();
    t.observe(0, 1_000, 0);
    t.observe(0, 500, 0);
    expect(t.partitionWatermark(0)).toBe(989);
  });

  it('is the minimum over non-idle partitions; applied watermarks never go back', () => {
    const t = new WatermarkTracker({ idleTimeoutMs: 100 });
    t.assign(0);
    t.assign(1);
    t.observe(0, 1_000, 0);
    expect(t.advance(0)).toEqual([]); // partition 1 active without records: held back
    expect(t.current()).toBeNull();
    t.observe(1, 400, 0);
    expect(t.advance(0)).toEqual([0, 1]);
    expect(t.current()).toBe(399);
    t.setCaughtUp(1, true);
    t.advance(100); // partition 1 idle now
    expect(t.current()).toBe(999);
    t.observe(1, 500, 150); // partition 1 wakes up behind: nothing moves back
    expect(t.advance(150)).toEqual([]);
    expect(t.current()).toBe(499);
    expect(t.get(0)?.appliedWatermark).toBe(999);
    expect(t.get(1)?.appliedWatermark).toBe(999);
  });

  it('with every partition idle, the slowest one that had records sets it; empty ones never block', () => {
    const t = new WatermarkTracker({ idleTimeoutMs: 100 });
    t.assign(0); // empty
    t.observe(1, 5_000, 0);
    t.observe(2, 3_000, 0);
    t.setCaughtUp(0, true);
    t.setCaughtUp(1, true);
    t.setCaughtUp(2, true);
    expect(t.advance(100)).toEqual([0, 1, 2]);
    expect(t.current()).toBe(2_999);
  });

  it('does not push a lagging partition assigned later (restore after a rebalance) past its own records', () => {
    const t = new WatermarkTracker({ idleTimeoutMs: 100 });
    t.observe(0, 10_000, 0);
    t.advance(0);
    expect(t.current()).toBe(9_999);
    // Partition 1 arrives from another instance, restored at 2 000 and still catching up.
    t.restore(1, 2_000, 1_999);
    expect(t.advance(10)).toEqual([]);
    expect(t.current()).toBe(1_999);
    expect(t.get(1)?.appliedWatermark).toBe(1_999);
    t.observe(1, 5_000, 20);
    expect(t.advance(20)).toEqual([1]);
    expect(t.get(1)?.appliedWatermark).toBe(4_999);
    expect(t.get(0)?.appliedWatermark).toBe(9_999);
  });

  it('keeps its watermark when every partition is idle, and can be forced forward', () => {
    const t = new WatermarkTracker({ idleTimeoutMs: 10 });
    t.observe(0, 100, 0);
    t.advance(0);
    t.setCaughtUp(0, true);
    expect(t.isIdle(0, 5)).toBe(false);
    expect(t.isIdle(0, 10)).toBe(true);
    t.advance(50);
    expect(t.current()).toBe(99);
    expect(t.forceTo(50)).toEqual([]);
    expect(t.forceTo(500)).toEqual([0]);
    expect(t.current()).toBe(500);
  });

  it('assigns, restores and revokes partitions', () => {
    const t = new WatermarkTracker({ idleTimeoutMs: 10 });
    t.restore(2, 1_000, 900);
    t.assign(1);
    expect(t.partitions()).toEqual([1, 2]);
    t.revoke(1);
    expect(t.partitions()).toEqual([2]);
    expect(t.isIdle(5, 0)).toBe(false);
    t.restoreCombined(900);
    expect(t.current()).toBe(900);
  });
});
