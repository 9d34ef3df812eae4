// The window state machine per (agreement, billing period), system.md §5:
//   add record  → total += bytes; DATA_PLAN_EXCEEDED once, at the first record with total ≥ max
//                 (totals are exact bigints; a record that would take the total past
//                 2^63 − 1 is refused, see overflowMessage, and the window stays as it was)
//   close       → BILLING_PERIOD_CLOSED once with the final total; then only a "closed"
//                 marker remains (until the watermark makes lateness obvious), or nothing.
import { MAX_BYTE_COUNT, type Aggregate, type Agreement, type DataPlanTrigger, type DataRecord } from '@mobilecs/domain';
import type { BillingPeriod } from './billing-period';
import type { CountedCopy } from './copies';

export interface WindowState {
  readonly agreementId: string;
  readonly year: number;
  readonly month: number;
  readonly zone: string;
  readonly startMs: number;
  readonly endMs: number;
  /** Input partition that owns the window (the msisdn's partition). */
  readonly partition: number;
  /** From the agreement of the latest record added, so a corrected agreement wins. */
  readonly maxBytes: bigint;
  /** Exact, 0 … 2^63 − 1 (MAX_BYTE_COUNT). */
  readonly totalBytes: bigint;
  readonly latestRecordedAt: number | null;
  readonly latestInternalRecordId: string | null;
  /**
   * Input offset of the arrival counted as latestInternalRecordId (null: not known). A
   * number: offsets below 2^31 take no memory of their own in V8 (this field is kept per
   * open window); one past 2^53 is kept as null.
   */
  readonly latestOffset: number | null;
  /**
   * The other copies counted at exactly latestRecordedAt (usually none: a shared empty
   * list). With latestInternalRecordId they tell a record at that instant to be new or a
   * copy without a store look-up. null: not known (state written before copies were
   * tracked), so such a record is looked up.
   */
  readonly latestTies: readonly CountedCopy[] | null;
  readonly exceededEmitted: boolean;
  /** Closed early by the wall-clock policy: records for it are late. */
  readonly closed: boolean;
}

export interface AggregateOutput {
  readonly kind: 'aggregate';
  readonly partition: number;
  /** Kafka key: the agreement id. */
  readonly key: string;
  /** Kafka timestamp: end of the billing period − 1 ms. */
  readonly timestampMs: number;
  readonly aggregate: Aggregate;
}

/** Changelog / state key of a window: `${agreementId}|${year}-${month}`. */
export function windowKey(agreementId: string, year: number, month: number): string {
  return `${agreementId}|${year}-${month}`;
}

const NO_TIES: readonly CountedCopy[] = Object.freeze([]);

/** An input offset as kept in a window: a number when exact (see WindowState.latestOffset). */
export function offsetNumber(offset: string | null): number | null {
  if (offset === null) return null;
  const n = Number(offset);
  return Number.isSafeInteger(n) ? n : null;
}

function open(agreement: Agreement, period: BillingPeriod, partition: number): WindowState {
  return {
    agreementId: agreement.id,
    year: period.year,
    month: period.month,
    zone: period.zone,
    startMs: period.startMs,
    endMs: period.endMs,
    partition,
    maxBytes: agreement.maxBytesInBillingPeriod,
    totalBytes: 0n,
    latestRecordedAt: null,
    latestInternalRecordId: null,
    latestOffset: null,
    latestTies: NO_TIES,
    exceededEmitted: false,
    closed: false,
  };
}

function toAggregate(w: WindowState, type: DataPlanTrigger): AggregateOutput {
  return {
    kind: 'aggregate',
    partition: w.partition,
    key: w.agreementId,
    timestampMs: w.endMs - 1,
    aggregate: {
      agreementId: w.agreementId,
      year: w.year,
      month: w.month,
      // A window exists only once a record was added, so these are set.
      latestRecordedAt: w.latestRecordedAt ?? w.startMs,
      latestInternalRecordId: w.latestInternalRecordId ?? '',
      totalRecordedBytes: w.totalBytes,
      billingPeriodTimeZone: w.zone,
      maxBytesInBillingPeriod: w.maxBytes,
      type,
    },
  };
}

const HALF_MAX = MAX_BYTE_COUNT / 2n; // 2^62 − 1

/**
 * Why the record cannot be added: its bytes would take the total past 2^63 − 1 (Java's
 * long, Cassandra's bigint, the limit of every byte count on the wire); undefined when it can.
 */
function overflowMessage(w: WindowState, record: DataRecord): string | undefined {
  // Two values up to 2^62 − 1 cannot overflow: comparisons only, no bigint allocated (the usual case).
  if (w.totalBytes <= HALF_MAX && record.recordedBytes <= HALF_MAX) return undefined;
  if (w.totalBytes + record.recordedBytes <= MAX_BYTE_COUNT) return undefined;
  return (
    `record ${record.internalRecordId} of ${record.recordedBytes} B not counted: billing period ${w.year}-${w.month} (${w.zone}) ` +
    `of agreement ${w.agreementId} already totals ${w.totalBytes} B, and ${w.totalBytes} + ${record.recordedBytes} ` +
    `would exceed ${MAX_BYTE_COUNT} B (2^63 − 1)`
  );
}

/** Adds a (not late) record that does not overflow the total (see overflowMessage); returns the new state and DATA_PLAN_EXCEEDED if this record crossed the plan. */
function add(w: WindowState, record: DataRecord, agreement: Agreement, offset: string | null = null): { window: WindowState; exceeded?: AggregateOutput } {
  // Latest = max recordedAt; on a tie the later arrival wins (>=).
  const isLatest = w.latestRecordedAt === null || record.recordedAt >= w.latestRecordedAt;
  const later = w.latestRecordedAt === null || record.recordedAt > w.latestRecordedAt;
  // A tie: the record counted as latest so far joins the ties, this one becomes the latest.
  const ties =
    later ? NO_TIES
    : !isLatest || w.latestTies === null ? w.latestTies
    : [...w.latestTies, { internalId: w.latestInternalRecordId ?? '', offset: w.latestOffset === null ? null : String(w.latestOffset) }];
  const window: WindowState = {
    ...w,
    maxBytes: agreement.maxBytesInBillingPeriod,
    totalBytes: w.totalBytes + record.recordedBytes,
    latestRecordedAt: isLatest ? record.recordedAt : w.latestRecordedAt,
    latestInternalRecordId: isLatest ? record.internalRecordId : w.latestInternalRecordId,
    latestOffset: isLatest ? offsetNumber(offset) : w.latestOffset,
    latestTies: ties,
  };
  if (!window.exceededEmitted && window.totalBytes >= window.maxBytes) {
    const marked = { ...window, exceededEmitted: true };
    return { window: marked, exceeded: toAggregate(marked, 'DATA_PLAN_EXCEEDED') };
  }
  return { window };
}

/** Closes the window: BILLING_PERIOD_CLOSED with the final total, and the closed marker that remains. */
function close(w: WindowState): { marker: WindowState; closed: AggregateOutput } {
  return { marker: { ...w, closed: true }, closed: toAggregate(w, 'BILLING_PERIOD_CLOSED') };
}

/** Watermark at which the window closes (and after which its records are late). */
function closesAt(w: Pick<WindowState, 'endMs'>, allowedLatenessMs: number): number {
  return w.endMs - 1 + allowedLatenessMs;
}

export const BillingWindow = { open, add, overflowMessage, close, closesAt } as const;
