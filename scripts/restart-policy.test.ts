import { describe, expect, it } from 'vitest';
import {
  decideRestart,
  defaultRestartPolicy,
  describeRestartPolicy,
  initialRestartState,
  restartDelay,
  restartPolicyFromEnv,
  type RestartDecision,
  type RestartPolicy,
  type RestartState,
} from './restart-policy';

/** Exits at the given times (ms), each after `readyForMs`; the decisions in order. */
function run(policy: RestartPolicy, exits: { now: number; readyForMs?: number }[]): RestartDecision[] {
  let state: RestartState = initialRestartState;
  return exits.map((e) => {
    const d = decideRestart(policy, state, { now: e.now, readyForMs: e.readyForMs });
    state = d.state;
    return d;
  });
}

describe('restart policy', () => {
  it('by default restarts 5 times, 1 s to 16 s apart, then gives up on the 6th exit', () => {
    const decisions = run(
      defaultRestartPolicy,
      Array.from({ length: 6 }, (_, i) => ({ now: 10_000 + i * 5000 })),
    );
    expect(decisions.slice(0, 5).map((d) => (d.restart ? [d.attempt, d.delayMs] : 'gave up'))).toEqual([
      [1, 1000],
      [2, 2000],
      [3, 4000],
      [4, 8000],
      [5, 16_000],
    ]);
    expect(decisions[5]).toMatchObject({ restart: false, restarts: 5, overMs: 25_000 });
  });

  it('treats an exit during start-up and one after a short ready time alike', () => {
    const duringStartUp = run(defaultRestartPolicy, [{ now: 0 }, { now: 1000 }]);
    const afterReady = run(defaultRestartPolicy, [{ now: 0, readyForMs: 5000 }, { now: 1000, readyForMs: 59_999 }]);
    expect(afterReady).toEqual(duringStartUp);
  });

  it('forgives earlier exits once the service stayed ready for a minute', () => {
    const p: RestartPolicy = { ...defaultRestartPolicy, attempts: 2 };
    const d = run(p, [{ now: 0 }, { now: 1000 }, { now: 200_000, readyForMs: 60_000 }, { now: 201_000 }, { now: 202_000 }]);
    expect(d.map((x) => (x.restart ? x.attempt : 'give up'))).toEqual([1, 2, 1, 2, 'give up']);
    expect(d[4]).toMatchObject({ restart: false, restarts: 2, overMs: 2000 });
  });

  it('caps the delay, and 0 attempts gives up at the first exit', () => {
    expect(restartDelay(defaultRestartPolicy, 6)).toBe(30_000);
    expect(restartDelay(defaultRestartPolicy, 40)).toBe(30_000);
    expect(run({ ...defaultRestartPolicy, attempts: 0 }, [{ now: 5 }])).toEqual([
      { restart: false, restarts: 0, overMs: 0, state: { restarts: 0, firstExitAt: 5 } },
    ]);
  });

  it('keeps giving up once the attempts are used (a stray exit does not restart)', () => {
    const d = run({ ...defaultRestartPolicy, attempts: 1 }, [{ now: 0 }, { now: 10 }, { now: 20 }]);
    expect(d.map((x) => x.restart)).toEqual([true, false, false]);
  });

  it('describes itself in words', () => {
    expect(describeRestartPolicy(defaultRestartPolicy)).toBe('up to 5 restarts in a row, 1 s, 2 s, 4 s, 8 s, 16 s after each exit (31 s of waiting)');
    expect(describeRestartPolicy({ ...defaultRestartPolicy, attempts: 1, firstDelayMs: 250 })).toBe('up to 1 restart in a row, 0.3 s after each exit (0.3 s of waiting)');
    expect(describeRestartPolicy({ ...defaultRestartPolicy, attempts: 8 })).toBe(
      'up to 8 restarts in a row, 1 s, 2 s, 4 s, 8 s, 16 s, …, 30 s after each exit (121 s of waiting)',
    );
    expect(describeRestartPolicy({ ...defaultRestartPolicy, attempts: 0 })).toMatch(/no restarts/);
  });

  it('reads MOBILECS_RESTART_ATTEMPTS and MOBILECS_RESTART_DELAY_MS, rejecting nonsense by name', () => {
    expect(restartPolicyFromEnv({})).toEqual(defaultRestartPolicy);
    expect(restartPolicyFromEnv({ MOBILECS_RESTART_ATTEMPTS: '', MOBILECS_RESTART_DELAY_MS: ' ' })).toEqual(defaultRestartPolicy);
    expect(restartPolicyFromEnv({ MOBILECS_RESTART_ATTEMPTS: '2', MOBILECS_RESTART_DELAY_MS: '300' })).toEqual({
      ...defaultRestartPolicy,
      attempts: 2,
      firstDelayMs: 300,
    });
    expect(() => restartPolicyFromEnv({ MOBILECS_RESTART_ATTEMPTS: 'many' })).toThrow(/MOBILECS_RESTART_ATTEMPTS="many": expected a whole number 0-1000/);
    expect(() => restartPolicyFromEnv({ MOBILECS_RESTART_ATTEMPTS: '-1' })).toThrow(/MOBILECS_RESTART_ATTEMPTS/);
    expect(() => restartPolicyFromEnv({ MOBILECS_RESTART_DELAY_MS: '1.5' })).toThrow(/MOBILECS_RESTART_DELAY_MS/);
    expect(() => restartPolicyFromEnv({ MOBILECS_RESTART_DELAY_MS: '60000' })).toThrow(/0-30000/);
  });
});
