import { describe, expect, it } from 'vitest';
import { barWidth, bytesToNumber, divideHalfUp, formatBytes, formatPercent, totalInUnits } from './bytes';

describe('totalInUnits (as the REST total-data-used)', () => {
  it("gives the README example's totals", () => {
    // 13559994361 B: the 31 January records of the walkthrough's agreement.
    expect(totalInUnits(13559994361)).toEqual({ B: 13559994361n, KB: 13242182n, MB: 12932n, GB: 13n });
  });

  it('rounds half up at each unit', () => {
    expect(totalInUnits(511)).toEqual({ B: 511n, KB: 0n, MB: 0n, GB: 0n });
    expect(totalInUnits(512)).toEqual({ B: 512n, KB: 1n, MB: 0n, GB: 0n });
    expect(totalInUnits(1536)).toEqual({ B: 1536n, KB: 2n, MB: 0n, GB: 0n });
    expect(totalInUnits(1024 ** 3 / 2)).toMatchObject({ GB: 1n });
    expect(totalInUnits(1024 ** 3 / 2 - 1)).toMatchObject({ GB: 0n });
  });

  it('is exact beyond 2^53', () => {
    const max = 2n ** 63n - 1n;
    expect(totalInUnits(max)).toEqual({ B: max, KB: 2n ** 53n, MB: 2n ** 43n, GB: 2n ** 33n });
    expect(totalInUnits(2n ** 64n + 1n).B).toBe(18446744073709551617n);
  });
});

describe('divideHalfUp', () => {
  it('rounds .5 away from zero', () => {
    expect(divideHalfUp(5n, 2n)).toBe(3n);
    expect(divideHalfUp(-5n, 2n)).toBe(-3n);
    expect(divideHalfUp(4n, 3n)).toBe(1n);
  });
  it('refuses a non-positive divisor', () => {
    expect(() => divideHalfUp(1n, 0n)).toThrow(RangeError);
  });
});

describe('formatBytes', () => {
  it('uses the largest unit reached, one decimal half up', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1023)).toBe('1023 B');
    expect(formatBytes(1024)).toBe('1.0 KB');
    expect(formatBytes(1536)).toBe('1.5 KB');
    expect(formatBytes(1024 * 1024 - 1)).toBe('1024.0 KB');
    expect(formatBytes(5368709120)).toBe('5.0 GB');
    expect(formatBytes(13559994361)).toBe('12.6 GB');
  });
  it('formats from bigint without losing digits', () => {
    expect(formatBytes(2n ** 63n - 1n)).toBe('8589934592.0 GB');
    expect(formatBytes(-1536n)).toBe('-1.5 KB');
  });
});

describe('small helpers', () => {
  it('formats percent and bar width', () => {
    expect(formatPercent(252.6)).toBe('252.6 %');
    expect(formatPercent(0)).toBe('0.0 %');
    expect(formatPercent(Number.POSITIVE_INFINITY)).toBe('—');
    expect(formatPercent(null)).toBe('—');
    expect(barWidth(null)).toBe(0);
    expect(barWidth(42.5)).toBe(42.5);
    expect(barWidth(252.6)).toBe(100);
    expect(barWidth(-1)).toBe(0);
    expect(barWidth(Number.NaN)).toBe(0);
  });
  it('converts to plot numbers', () => {
    expect(bytesToNumber(5n)).toBe(5);
    expect(bytesToNumber(7)).toBe(7);
  });
});
