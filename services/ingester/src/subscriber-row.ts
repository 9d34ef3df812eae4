// One row of the live subscriber listing: an agreement with the newest billing period its
// instance holds. Pure: built from the processor's state, no clock.
import { toWireInteger, type Agreement } from '@mobilecs/domain';
import type { WindowState } from '@mobilecs/windowing';

/**
 * within-plan: an open period below the plan; exceeded: an open period at or over it (the
 * moment DATA_PLAN_EXCEEDED went out); closed: the newest period kept was closed early (the
 * wall-clock policy); no-usage: no period in state (no record yet, or the last one closed
 * by the watermark and freed).
 */
export type SubscriberState = 'within-plan' | 'exceeded' | 'closed' | 'no-usage';

export interface SubscriberPeriod {
  readonly year: number;
  readonly month: number;
  /** Bounds in the agreement's zone, as UTC ISO-8601. */
  readonly start: string;
  readonly end: string;
}

/** A row as it goes on the wire (byte counts: numbers when exact as doubles, else bigints, written digit for digit). */
export interface SubscriberRow {
  readonly msisdn: string;
  readonly agreementId: string;
  readonly maxBytesInBillingPeriod: number | bigint;
  readonly billingPeriodTimeZone: string;
  readonly period: SubscriberPeriod | null;
  readonly totalRecordedBytes: number | bigint;
  /** Percent of the plan, one decimal (rounded half up). */
  readonly percentOfPlan: number;
  readonly state: SubscriberState;
}

/**
 * Usage as a fraction of the plan, the sort key of `sort=percent`: a double, computed the
 * same way wherever a row is sorted (each instance, and the instance merging their pages).
 * A plan of 0 B: any usage is over it (largest double), none is 0.
 */
export function usageRatio(total: bigint, max: bigint): number {
  if (max === 0n) return total > 0n ? Number.MAX_VALUE : 0;
  return Number(total) / Number(max);
}

/** total / max in percent with one decimal, rounded half up, exact for any byte counts. */
export function percentOfPlan(total: bigint, max: bigint): number {
  if (max === 0n) return total > 0n ? 100 : 0;
  return Number((total * 2000n + max) / (2n * max)) / 10;
}

/** The state of a subscriber given its newest period (see SubscriberState). */
export function subscriberState(window: Pick<WindowState, 'closed' | 'totalBytes' | 'maxBytes' | 'exceededEmitted'> | null): SubscriberState {
  if (window === null) return 'no-usage';
  if (window.closed) return 'closed';
  return window.exceededEmitted || window.totalBytes >= window.maxBytes ? 'exceeded' : 'within-plan';
}

/**
 * The row of an agreement. With a period the plan and zone are the period's (those its
 * total is judged against); without one, the agreement's.
 */
export function subscriberRow(agreement: Agreement, window: WindowState | null): SubscriberRow {
  const max = window ? window.maxBytes : agreement.maxBytesInBillingPeriod;
  const total = window ? window.totalBytes : 0n;
  return {
    msisdn: agreement.msisdn,
    agreementId: agreement.id,
    maxBytesInBillingPeriod: toWireInteger(max),
    billingPeriodTimeZone: window ? window.zone : agreement.billingPeriodTimeZone,
    period: window ? { year: window.year, month: window.month, start: new Date(window.startMs).toISOString(), end: new Date(window.endMs).toISOString() } : null,
    totalRecordedBytes: toWireInteger(total),
    percentOfPlan: percentOfPlan(total, max),
    state: subscriberState(window),
  };
}
