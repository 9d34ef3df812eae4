// The alert feed's list: the first GET and the server-sent events both feed it, and a
// reconnect may replay what was already seen, so alerts are merged by id ("<partition>:<offset>",
// unique per Kafka record), newest first, at most MAX_ALERTS kept.
import { parseJsonExact } from './exact-json';
import type { Alert } from './types';

export const MAX_ALERTS = 1000;

function offsetOf(a: Alert): bigint {
  try {
    return BigInt(String(a.offset));
  } catch {
    return -1n;
  }
}

/** Newest first: by the time the backend received it, then by offset within a partition. */
export function compareNewestFirst(a: Alert, b: Alert): number {
  const ta = Date.parse(a.receivedAt);
  const tb = Date.parse(b.receivedAt);
  if (ta !== tb) return (Number.isNaN(tb) ? 0 : tb) - (Number.isNaN(ta) ? 0 : ta);
  if (a.partition !== b.partition) return a.partition - b.partition;
  const oa = offsetOf(a);
  const ob = offsetOf(b);
  return oa === ob ? 0 : oa > ob ? -1 : 1;
}

/** `current` with `incoming` added: each id once (the first copy kept), newest first, at most `max`. */
export function mergeAlerts(current: readonly Alert[], incoming: readonly Alert[], max = MAX_ALERTS): Alert[] {
  const seen = new Set(current.map((a) => a.id));
  const added = incoming.filter((a) => {
    if (seen.has(a.id)) return false;
    seen.add(a.id);
    return true;
  });
  if (added.length === 0) return current.length > max ? current.slice(0, max) : (current as Alert[]);
  return [...current, ...added].sort(compareNewestFirst).slice(0, max);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** One alert from an API value; throws a TypeError naming what is missing. */
export function toAlert(value: unknown): Alert {
  if (!isObject(value)) throw new TypeError('an alert is not an object');
  const { id, partition, receivedAt, message } = value;
  if (typeof id !== 'string' || id === '') throw new TypeError('an alert has no id');
  if (typeof partition !== 'number') throw new TypeError(`alert ${id} has no partition`);
  if (typeof receivedAt !== 'string') throw new TypeError(`alert ${id} has no receivedAt`);
  if (!isObject(message) || typeof message['agreementId'] !== 'string' || typeof message['type'] !== 'string') {
    throw new TypeError(`alert ${id} has no message with agreementId and type`);
  }
  return value as unknown as Alert;
}

/** The data of one `event: alert` of the stream. */
export function parseAlertEvent(data: string): Alert {
  return toAlert(parseJsonExact(data));
}

/** The `alerts` of GET /api/alerts. */
export function parseAlertList(body: unknown): Alert[] {
  if (!isObject(body) || !Array.isArray(body['alerts'])) throw new TypeError('the answer has no alerts list');
  return body['alerts'].map(toAlert);
}

export type StreamState = 'connecting' | 'live' | 'reconnecting' | 'closed';

export function streamStateLabel(state: StreamState, retryInSeconds?: number): string {
  switch (state) {
    case 'connecting':
      return 'connecting…';
    case 'live':
      return 'live';
    case 'reconnecting':
      return 'connection lost, reconnecting…';
    case 'closed':
      return retryInSeconds === undefined ? 'disconnected' : `disconnected, retrying in ${retryInSeconds} s`;
  }
}
