import { describe, expect, it } from 'vitest';
import { mergeAlerts, parseAlertEvent, parseAlertList, streamStateLabel } from './alerts';
import type { Alert } from './types';

function alert(partition: number, offset: number | bigint, receivedAt: string, type = 'DATA_PLAN_EXCEEDED'): Alert {
  return {
    id: `${partition}:${offset}`,
    partition,
    offset,
    receivedAt,
    message: { agreementId: `a-${partition}-${offset}`, year: 2020, month: 1, totalRecordedBytes: 1, maxBytesInBillingPeriod: 1, type },
  };
}

describe('mergeAlerts', () => {
  const a = alert(0, 5, '2026-01-01T00:00:01Z');
  const b = alert(1, 3, '2026-01-01T00:00:02Z');
  const c = alert(0, 6, '2026-01-01T00:00:03Z');

  it('orders newest first', () => {
    expect(mergeAlerts([], [a, c, b]).map((x) => x.id)).toEqual(['0:6', '1:3', '0:5']);
  });

  it('keeps each id once when the list and the stream overlap or a reconnect replays', () => {
    const fromList = mergeAlerts([], [b, a]);
    const afterStream = mergeAlerts(fromList, [a, b, c, c]);
    expect(afterStream.map((x) => x.id)).toEqual(['0:6', '1:3', '0:5']);
  });

  it('returns the same list when nothing is new (no re-render)', () => {
    const list = mergeAlerts([], [a, b]);
    expect(mergeAlerts(list, [a])).toBe(list);
  });

  it('orders equal times by offset, exact beyond 2^53', () => {
    const t = '2026-01-01T00:00:00Z';
    const big = alert(2, 2n ** 60n + 1n, t);
    const smaller = alert(2, 2n ** 60n, t);
    expect(mergeAlerts([], [smaller, big]).map((x) => x.id)).toEqual([big.id, smaller.id]);
  });

  it('keeps at most max, dropping the oldest', () => {
    const many = Array.from({ length: 10 }, (_, i) => alert(0, i, new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString()));
    const kept = mergeAlerts([], many, 3);
    expect(kept.map((x) => x.offset)).toEqual([9, 8, 7]);
  });
});

describe('parsing', () => {
  it('reads an event with exact byte counts', () => {
    const data =
      '{"id":"3:17","partition":3,"offset":17,"receivedAt":"2026-01-01T00:00:00.000Z","message":{"agreementId":"0b12c601-9287-3f5c-a78c-df508fe0f889","year":2020,"month":1,"totalRecordedBytes":9223372036854775807,"maxBytesInBillingPeriod":5368709120,"type":"BILLING_PERIOD_CLOSED"}}';
    const parsed = parseAlertEvent(data);
    expect(parsed.id).toBe('3:17');
    expect(parsed.message.totalRecordedBytes).toBe(9223372036854775807n);
    expect(parsed.message.type).toBe('BILLING_PERIOD_CLOSED');
  });

  it('refuses an event without id or message, naming it', () => {
    expect(() => parseAlertEvent('{"partition":1}')).toThrow(/no id/);
    expect(() => parseAlertEvent('{"id":"1:2","partition":1,"receivedAt":"x","message":{}}')).toThrow(/1:2 has no message/);
    expect(() => parseAlertEvent('[]')).toThrow(TypeError);
    expect(() => parseAlertEvent('not json')).toThrow(SyntaxError);
  });

  it('reads the list answer', () => {
    expect(parseAlertList({ alerts: [] })).toEqual([]);
    expect(() => parseAlertList({})).toThrow(/no alerts list/);
  });

  it('labels the connection state', () => {
    expect(streamStateLabel('live')).toBe('live');
    expect(streamStateLabel('closed', 3)).toBe('disconnected, retrying in 3 s');
  });
});
