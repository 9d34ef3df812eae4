// npm start's restart decisions, without processes or clocks (scripts/run-system.ts
// supplies both): a service that exits unexpectedly — during start-up or after it was
// ready — is restarted after a growing delay, at most `attempts` times in a row; the
// next exit after that gives up. A service that stayed ready for `stableAfterMs` starts
// a new run of attempts (its earlier crashes are forgiven).

export interface RestartPolicy {
  /** Restarts in a row before giving up; 0 = never restart. */
  attempts: number;
  /** Delay before the first restart; each next one doubles, up to maxDelayMs. */
  firstDelayMs: number;
  maxDelayMs: number;
  /** Ready this long: the next exit counts as the first again. */
  stableAfterMs: number;
}

/** 5 restarts, 1 s, 2 s, 4 s, 8 s and 16 s after the exits: 31 s of waiting before giving up. */
export const defaultRestartPolicy: RestartPolicy = { attempts: 5, firstDelayMs: 1000, maxDelayMs: 30_000, stableAfterMs: 60_000 };

/** Consecutive restarts so far, and when the first exit of this run of them happened. */
export interface RestartState {
  restarts: number;
  firstExitAt: number | undefined;
}

export const initialRestartState: RestartState = { restarts: 0, firstExitAt: undefined };

export interface ExitFacts {
  now: number;
  /** How long the exited process had been ready; undefined when it never was (it died during start-up). */
  readyForMs: number | undefined;
}

export type RestartDecision =
  | { restart: true; /** 1-based */ attempt: number; delayMs: number; state: RestartState }
  | { restart: false; /** restarts made before this last exit */ restarts: number; /** from the first exit of the run to this one */ overMs: number; state: RestartState };

/** The delay before restart number `attempt` (1-based). */
export function restartDelay(policy: RestartPolicy, attempt: number): number {
  return Math.min(policy.maxDelayMs, policy.firstDelayMs * 2 ** (attempt - 1));
}

/** What to do after an unexpected exit. */
export function decideRestart(policy: RestartPolicy, state: RestartState, exit: ExitFacts): RestartDecision {
  const forgiven = exit.readyForMs !== undefined && exit.readyForMs >= policy.stableAfterMs;
  const before = forgiven ? initialRestartState : state;
  const firstExitAt = before.firstExitAt ?? exit.now;
  if (before.restarts >= policy.attempts) {
    return { restart: false, restarts: before.restarts, overMs: exit.now - firstExitAt, state: { restarts: before.restarts, firstExitAt } };
  }
  const attempt = before.restarts + 1;
  return { restart: true, attempt, delayMs: restartDelay(policy, attempt), state: { restarts: attempt, firstExitAt } };
}

/** `1 s, 2 s, 4 s` style. */
export const seconds = (ms: number): string => `${Number((ms / 1000).toFixed(1))} s`;

/** The policy in words, e.g. "up to 5 restarts in a row, 1 s, 2 s, 4 s, 8 s, 16 s after each exit (31 s of waiting)". */
export function describeRestartPolicy(policy: RestartPolicy): string {
  if (policy.attempts === 0) return 'no restarts (MOBILECS_RESTART_ATTEMPTS=0)';
  const delays = Array.from({ length: policy.attempts }, (_, i) => restartDelay(policy, i + 1));
  const shown = delays.length > 6 ? [...delays.slice(0, 5).map(seconds), '…', seconds(delays[delays.length - 1] ?? 0)] : delays.map(seconds);
  const total = delays.reduce((a, b) => a + b, 0);
  return `up to ${policy.attempts} restart${policy.attempts === 1 ? '' : 's'} in a row, ${shown.join(', ')} after each exit (${seconds(total)} of waiting)`;
}

/**
 * The policy from MOBILECS_RESTART_ATTEMPTS and MOBILECS_RESTART_DELAY_MS (the first
 * delay); unset or empty keeps the default. Throws a message naming the variable when
 * a value is not a whole number in range.
 */
export function restartPolicyFromEnv(env: Record<string, string | undefined>, defaults: RestartPolicy = defaultRestartPolicy): RestartPolicy {
  const read = (name: string, fallback: number, min: number, max: number): number => {
    const raw = env[name];
    if (raw === undefined || raw.trim() === '') return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${name}=${JSON.stringify(raw)}: expected a whole number ${min}-${max}`);
    return n;
  };
  return {
    ...defaults,
    attempts: read('MOBILECS_RESTART_ATTEMPTS', defaults.attempts, 0, 1000),
    firstDelayMs: read('MOBILECS_RESTART_DELAY_MS', defaults.firstDelayMs, 0, defaults.maxDelayMs),
  };
}
