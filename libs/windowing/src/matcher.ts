// The matching state machine per msisdn (system.md §4, the original's RichCoFlatMapFunction).
// A record recorded at t matches the agreement with the latest serviceStartAt strictly
// before t (ties: latest signedAt, then highest id so the choice never depends on order).
// Records without a match wait, per msisdn and in arrival order, until an agreement
// arrives; the wait is bounded by a count and by an age in EVENT time (the processor
// watermark), so a replay expires exactly the same records as the live run did.
import type { Agreement, ImportedRecord } from '@mobilecs/domain';

/** A record waiting for its agreement, with the input offset it arrived at (to tell copies apart, see copies.ts). */
export type HeldRecord = ImportedRecord & { readonly offset?: string };

export interface MatchingState {
  readonly msisdn: string;
  readonly partition: number;
  /** Agreements of this msisdn, one per id (the last received wins). */
  readonly agreements: readonly Agreement[];
  /** Unmatched records in arrival order. */
  readonly held: readonly HeldRecord[];
}

export interface HoldLimits {
  /** Most records held per msisdn; beyond it the oldest goes to dead letters. */
  readonly maxHeldRecords: number;
  /** A held record expires once the watermark reaches recordedAt + maxHoldMs. */
  readonly maxHoldMs: number;
}

/** Why a record went to dead letters; 'total-overflow': its bytes would take its window's total past 2^63 − 1. */
export type DeadLetterReason = 'hold-overflow' | 'hold-expired' | 'recorded-at-in-future' | 'total-overflow';

export interface DeadLetterOutput {
  readonly kind: 'dead-letter';
  readonly partition: number;
  readonly reason: DeadLetterReason;
  /** Human-readable reason. */
  readonly message: string;
  /** With the input offset it arrived at, when known. */
  readonly record: HeldRecord;
}

export interface Match {
  readonly record: HeldRecord;
  readonly agreement: Agreement;
}

// Memory per subscriber counts (the ingester holds one state per msisdn): the empty lists
// are shared, lists are built at their exact length (a spread or push would leave room
// for 16 more elements), and a stored agreement is a plain object literal (no overflow
// property store) whose time-zone string is shared by all agreements of that zone.
const NO_AGREEMENTS: readonly Agreement[] = Object.freeze([]);
const NO_RECORDS: readonly HeldRecord[] = Object.freeze([]);
const zones = new Map<string, string>();

function compact(a: Agreement): Agreement {
  let zone = zones.get(a.billingPeriodTimeZone);
  if (zone === undefined) zones.set(a.billingPeriodTimeZone, (zone = a.billingPeriodTimeZone));
  return {
    id: a.id,
    msisdn: a.msisdn,
    signedAt: a.signedAt,
    serviceStartAt: a.serviceStartAt,
    billingPeriodTimeZone: zone,
    maxBytesInBillingPeriod: a.maxBytesInBillingPeriod,
  };
}

function empty(msisdn: string, partition: number): MatchingState {
  return { msisdn, partition, agreements: NO_AGREEMENTS, held: NO_RECORDS };
}

function isBetter(a: Agreement, than: Agreement): boolean {
  if (a.serviceStartAt !== than.serviceStartAt) return a.serviceStartAt > than.serviceStartAt;
  if (a.signedAt !== than.signedAt) return a.signedAt > than.signedAt;
  return a.id > than.id;
}

/** The agreement a record recorded at `recordedAt` belongs to, if any. */
function match(agreements: readonly Agreement[], recordedAt: number): Agreement | undefined {
  let best: Agreement | undefined;
  for (const a of agreements) {
    if (a.serviceStartAt < recordedAt && (best === undefined || isBetter(a, best))) best = a;
  }
  return best;
}

/** Adds (or replaces, by id) an agreement and releases, in arrival order, the held records it matches. */
function addAgreement(state: MatchingState, added: Agreement): { state: MatchingState; released: Match[] } {
  const agreement = compact(added);
  const agreements = state.agreements.filter((a) => a.id !== agreement.id).concat([agreement]);
  const released: Match[] = [];
  const held: HeldRecord[] = [];
  for (const record of state.held) {
    const found = match(agreements, record.recordedAt);
    if (found) released.push({ record, agreement: found });
    else held.push(record);
  }
  return { state: { ...state, agreements, held: held.length > 0 ? held : NO_RECORDS }, released };
}

function deadLetter(state: MatchingState, reason: DeadLetterReason, record: HeldRecord, message: string): DeadLetterOutput {
  return { kind: 'dead-letter', partition: state.partition, reason, message, record };
}

function isExpired(record: ImportedRecord, watermark: number | null, limits: HoldLimits): boolean {
  return watermark !== null && watermark >= record.recordedAt + limits.maxHoldMs;
}

function expiredMessage(r: ImportedRecord, limits: HoldLimits): string {
  return `no agreement for msisdn ${r.msisdn} with service start before ${new Date(r.recordedAt).toISOString()} arrived within ${limits.maxHoldMs} ms of event time`;
}

/** Matches a record, or holds it (evicting the oldest held record on overflow); `offset`: where it arrived, kept while held. */
function addRecord(
  state: MatchingState,
  record: ImportedRecord,
  limits: HoldLimits,
  watermark: number | null,
  offset?: string,
): { state: MatchingState; matched?: Match; deadLetters: DeadLetterOutput[] } {
  const agreement = match(state.agreements, record.recordedAt);
  if (agreement) return { state, matched: { record, agreement }, deadLetters: [] };
  const arrived: HeldRecord = offset === undefined ? record : { ...record, offset };
  if (isExpired(record, watermark, limits)) {
    return { state, deadLetters: [deadLetter(state, 'hold-expired', arrived, expiredMessage(record, limits))] };
  }
  const held: HeldRecord[] = [...state.held, arrived];
  const deadLetters: DeadLetterOutput[] = [];
  while (held.length > limits.maxHeldRecords) {
    const oldest = held.shift();
    /* v8 ignore next */
    if (!oldest) break;
    deadLetters.push(
      deadLetter(
        state,
        'hold-overflow',
        oldest,
        `more than ${limits.maxHeldRecords} records of msisdn ${oldest.msisdn} waiting for an agreement; the oldest was dropped from holding`,
      ),
    );
  }
  return { state: { ...state, held }, deadLetters };
}

/** Sends held records older than the hold age (in event time) to dead letters. */
function expire(state: MatchingState, watermark: number | null, limits: HoldLimits): { state: MatchingState; deadLetters: DeadLetterOutput[] } {
  const keep: HeldRecord[] = [];
  const deadLetters: DeadLetterOutput[] = [];
  for (const r of state.held) {
    if (isExpired(r, watermark, limits)) deadLetters.push(deadLetter(state, 'hold-expired', r, expiredMessage(r, limits)));
    else keep.push(r);
  }
  return { state: deadLetters.length === 0 ? state : { ...state, held: keep.length > 0 ? keep : NO_RECORDS }, deadLetters };
}

export const AgreementMatcher = { empty, match, addAgreement, addRecord, expire, compact } as const;
