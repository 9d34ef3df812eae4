// The alerts the dashboard shows: the newest DATA_PLAN_EXCEEDED / BILLING_PERIOD_CLOSED
// messages of data-records-aggregates as they were committed, in the order this backend
// read them, and the cursors that let a reconnecting stream resume without loss or repeat.
// Pure: the Kafka feed adds, the HTTP layer reads.

export interface Alert {
  /** "<partition>:<offset>" of the message on data-records-aggregates. */
  readonly id: string;
  readonly partition: number;
  readonly offset: bigint;
  /** When this backend read it (ISO-8601). */
  readonly receivedAt: string;
  /** The message value as JSON (byte counts exact: bigints where beyond 2^53). */
  readonly message: unknown;
}

/**
 * Where a reader is: per partition, the offset of the last alert it has (or the offset
 * before the first it may still get). Written as "0:12,3:7" (an SSE event id).
 */
export type AlertCursor = ReadonlyMap<number, bigint>;

const CURSOR = /^(\d{1,5}:-?\d{1,19})(,\d{1,5}:-?\d{1,19})*$/;

export class BadCursorError extends Error {
  constructor(readonly text: string) {
    super(`not an alert cursor: ${JSON.stringify(text.slice(0, 100))} (expected "<partition>:<offset>" pairs separated by commas, as the stream's event ids)`);
    this.name = 'BadCursorError';
  }
}

export function formatCursor(cursor: AlertCursor): string {
  return [...cursor].sort(([a], [b]) => a - b).map(([p, o]) => `${p}:${o}`).join(',');
}

export function parseCursor(text: string): AlertCursor {
  if (text.length > 20_000 || !CURSOR.test(text)) throw new BadCursorError(text);
  const out = new Map<number, bigint>();
  for (const pair of text.split(',')) {
    const [p, o] = pair.split(':') as [string, string];
    out.set(Number(p), BigInt(o));
  }
  return out;
}

/** The cursor after `alert`. */
export function advance(cursor: AlertCursor, alert: Alert): AlertCursor {
  const next = new Map(cursor);
  if ((next.get(alert.partition) ?? -1n) < alert.offset) next.set(alert.partition, alert.offset);
  return next;
}

/** The newest `capacity` alerts, oldest first, with the cursor of everything read so far. */
export class AlertLog {
  private readonly alerts: Alert[] = [];
  private readonly listeners = new Set<(alert: Alert) => void>();
  /** Per partition, the last offset read (also of alerts no longer kept). */
  private readonly head = new Map<number, bigint>();

  constructor(private readonly capacity = 1000) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity ${capacity}: expected a positive integer`);
  }

  /** Adds an alert read from Kafka; one already seen (a partition read again) is ignored. */
  add(alert: Alert): boolean {
    const last = this.head.get(alert.partition);
    if (last !== undefined && alert.offset <= last) return false;
    this.head.set(alert.partition, alert.offset);
    this.alerts.push(alert);
    if (this.alerts.length > this.capacity) this.alerts.shift();
    for (const l of this.listeners) l(alert);
    return true;
  }

  /** The newest `limit`, newest first. */
  newest(limit: number): Alert[] {
    return this.alerts.slice(-limit).reverse();
  }

  /** Everything read so far: a new stream starts here (what it has not seen comes from the list). */
  headCursor(): AlertCursor {
    return new Map(this.head);
  }

  /**
   * The alerts kept that `cursor` has not seen, oldest first: on a partition the cursor
   * names, those after its offset; on a partition it does not name, all kept.
   */
  after(cursor: AlertCursor): Alert[] {
    return this.alerts.filter((a) => a.offset > (cursor.get(a.partition) ?? -1n));
  }

  /** Calls `listener` with each alert added from now on; returns the unsubscribe. */
  subscribe(listener: (alert: Alert) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get size(): number {
    return this.alerts.length;
  }
}
