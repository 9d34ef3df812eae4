// One retry loop for the services: exponential backoff, a decision by the error (typed
// platform errors carry `retriable`, see errors.ts), a report per failed attempt, an
// optional time or attempt limit, and an AbortSignal that ends the waiting at once.
import { isRetriable } from './errors';

export interface RetryAttempt {
  /** RetryOptions.what. */
  what: string;
  /** The attempt that failed, from 1. */
  attempt: number;
  err: unknown;
  /** How long until the next attempt. */
  delayMs: number;
}

export interface RetryOptions {
  /** What is attempted, for messages ("Kafka", "importing a.csv"). */
  what: string;
  /** Wait after the first failure; doubled after each further one. Default 500 ms. */
  initialDelayMs?: number;
  /** Longest wait between two attempts. Default 30 s. */
  maxDelayMs?: number;
  /** Gives up (throwing the last error) after this many attempts. Default: no limit. */
  maxAttempts?: number;
  /** Gives up (throwing the last error) once this long has passed since the first attempt. Default: no limit. */
  timeoutMs?: number;
  /** Whether a failure is worth another attempt. Default: `isRetriable` (a PlatformError's flag; other errors yes). */
  shouldRetry?: (err: unknown, attempt: number) => boolean;
  /** Called before each wait (to log it). */
  onRetry?: (attempt: RetryAttempt) => void;
  /** Aborting ends a wait at once and makes `retry` reject with the signal's reason. */
  signal?: AbortSignal;
  /** For tests: the clock and the wait. */
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** The wait after `attempt` failures: initial × 2^(attempt-1), at most `max`. */
export function backoffDelayMs(attempt: number, initialMs = 500, maxMs = 30_000): number {
  return Math.min(maxMs, initialMs * 2 ** Math.min(Math.max(attempt - 1, 0), 30));
}

const abortReason = (signal: AbortSignal | undefined): Error =>
  signal?.reason instanceof Error ? signal.reason : new Error(`aborted: ${String(signal?.reason)}`);

/** Waits `ms`, or until `signal` aborts (then rejects with its reason). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortReason(signal));
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortReason(signal));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Runs `op` until it succeeds; after a failure `shouldRetry` decides, then waits with
 * exponential backoff. Gives up by throwing the last error unchanged (so callers can
 * tell a ProducerFencedError from the rest) when the error is not worth retrying, the
 * attempts or the time are used up; rejects with the abort reason when `signal` aborts.
 */
export async function retry<T>(op: (attempt: number) => Promise<T>, opts: RetryOptions): Promise<T> {
  const now = opts.now ?? Date.now;
  const wait = opts.sleep ?? sleep;
  const shouldRetry = opts.shouldRetry ?? isRetriable;
  const started = now();
  for (let attempt = 1; ; attempt++) {
    opts.signal?.throwIfAborted();
    try {
      return await op(attempt);
    } catch (err) {
      if (opts.signal?.aborted) throw opts.signal.reason;
      const elapsed = now() - started;
      if (!shouldRetry(err, attempt)) throw err;
      if (opts.maxAttempts !== undefined && attempt >= opts.maxAttempts) throw err;
      if (opts.timeoutMs !== undefined && elapsed >= opts.timeoutMs) throw err;
      let delayMs = backoffDelayMs(attempt, opts.initialDelayMs, opts.maxDelayMs);
      // The last attempt comes at the deadline, not after it.
      if (opts.timeoutMs !== undefined) delayMs = Math.max(0, Math.min(delayMs, opts.timeoutMs - elapsed));
      opts.onRetry?.({ what: opts.what, attempt, err, delayMs });
      await wait(delayMs, opts.signal);
    }
  }
}
