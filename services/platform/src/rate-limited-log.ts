// A failure that repeats (a partition retrying every second) must not flood the log
// with stack traces: the first occurrence of a key is logged in full, then at most one
// line per interval with how many were suppressed in between.

export interface RateLimitDecision {
  /** Log this occurrence. */
  readonly log: boolean;
  /** Occurrences of the key not logged since the last logged one. */
  readonly suppressed: number;
}

export class LogRateLimiter {
  private readonly last = new Map<string, { at: number; suppressed: number }>();

  constructor(private readonly intervalMs: number) {}

  /** Decides for one occurrence of `key` at wall time `nowMs`. */
  occur(key: string, nowMs: number): RateLimitDecision {
    const entry = this.last.get(key);
    if (entry && nowMs - entry.at < this.intervalMs) {
      entry.suppressed++;
      return { log: false, suppressed: entry.suppressed };
    }
    const suppressed = entry?.suppressed ?? 0;
    this.last.set(key, { at: nowMs, suppressed: 0 });
    return { log: true, suppressed };
  }

  /** Forgets a key (the failure is over): its next occurrence is logged in full again. */
  reset(key: string): void {
    this.last.delete(key);
  }
}
