import { describe, expect, it } from 'vitest';
import { LogRateLimiter } from './rate-limited-log';

describe('LogRateLimiter', () => {
  it('logs the first occurrence, then one per interval with the count suppressed', () => {
    const r = new LogRateLimiter(1000);
    expect(r.occur('p0', 0)).toEqual({ log: true, suppressed: 0 });
    expect(r.occur('p0', 100)).toEqual({ log: false, suppressed: 1 });
    expect(r.occur('p0', 999)).toEqual({ log: false, suppressed: 2 });
    expect(r.occur('p1', 999)).toEqual({ log: true, suppressed: 0 });
    expect(r.occur('p0', 1000)).toEqual({ log: true, suppressed: 2 });
    r.reset('p0');
    expect(r.occur('p0', 1001)).toEqual({ log: true, suppressed: 0 });
  });
});
