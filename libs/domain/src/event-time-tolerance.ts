// How far into the future a record's event time may be stamped (system.md §5). One
// mistyped year (2099) must not move event time for everybody: such records are
// quarantined, and the watermark is bounded by the same tolerance.
import { DomainError } from './errors';
import { formatUtcTimestamp } from './timestamp';

/** Default tolerance: Kafka's own default for message.timestamp.after.max.ms (1 hour). */
export const DEFAULT_FUTURE_TOLERANCE_MS = 3_600_000;

export class FutureTimestampError extends DomainError {
  readonly reason = 'recorded-at-in-future';
  constructor(
    /** The record's event time, epoch millis. */
    readonly recordedAt: number,
    /** The latest event time accepted at that moment (wall clock + tolerance). */
    readonly latestAccepted: number,
  ) {
    super(
      `recordedAt ${formatUtcTimestamp(recordedAt)} is in the future: later than the wall clock + tolerance (${formatUtcTimestamp(latestAccepted)})`,
    );
  }
}

/** The latest event time that is plausible at wall time `nowMs`. */
export function latestPlausibleEventTime(nowMs: number, toleranceMs: number): number {
  return nowMs + toleranceMs;
}

/** undefined when `recordedAtMs` is plausible at `nowMs`, else the error to report. */
export function checkNotInFuture(recordedAtMs: number, nowMs: number, toleranceMs: number): FutureTimestampError | undefined {
  const latest = latestPlausibleEventTime(nowMs, toleranceMs);
  return recordedAtMs > latest ? new FutureTimestampError(recordedAtMs, latest) : undefined;
}
