import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AlertLog, BadCursorError, advance, formatCursor, parseCursor, type Alert, type AlertCursor } from './alert-log';

const alert = (partition: number, offset: number): Alert => ({ id: `${partition}:${offset}`, partition, offset: BigInt(offset), receivedAt: '2020-01-01T00:00:00.000Z', message: {} });

describe('AlertLog', () => {
  it('keeps the newest `capacity`, lists them newest first, ignores what it has read already', () => {
    const log = new AlertLog(3);
    for (const a of [alert(0, 1), alert(1, 5), alert(0, 2), alert(0, 2), alert(0, 1), alert(1, 9)]) log.add(a);
    expect(log.newest(10).map((a) => a.id)).toEqual(['1:9', '0:2', '1:5']);
    expect(log.newest(1).map((a) => a.id)).toEqual(['1:9']);
    expect(formatCursor(log.headCursor())).toBe('0:2,1:9');
  });

  it('cursors round-trip; a malformed one is refused with what was expected', () => {
    expect(formatCursor(parseCursor('3:7,0:12'))).toBe('0:12,3:7');
    for (const bad of ['', '0', '0:', ':1', '0:1,', 'a:1', '0:1;1:2', `0:${'9'.repeat(20)}`]) expect(() => parseCursor(bad), bad).toThrow(BadCursorError);
  });

  it('property: a reader that resumes from the id of the last event it got, however often it drops, gets every alert once, in order', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.boolean(), fc.boolean()), { maxLength: 60 }), (steps) => {
        const log = new AlertLog(1000);
        const offsets = [0, 0, 0, 0];
        const received: string[] = [];
        // Connected at the start: the list had nothing, the stream starts at the head.
        let cursor: AlertCursor = log.headCursor();
        let connected = true;
        let unsubscribe = log.subscribe((a) => {
          received.push(a.id);
          cursor = advance(cursor, a);
        });
        for (const [p, drop, reconnect] of steps) {
          log.add(alert(p, offsets[p]!++));
          if (drop && connected) {
            unsubscribe();
            connected = false;
          }
          if (reconnect && !connected) {
            // Last-Event-ID: the cursor, as text; the server sends what came after it, then live ones.
            const resumed = parseCursor(formatCursor(cursor) || '0:-1');
            for (const a of log.after(resumed)) {
              received.push(a.id);
              cursor = advance(cursor, a);
            }
            unsubscribe = log.subscribe((a) => {
              received.push(a.id);
              cursor = advance(cursor, a);
            });
            connected = true;
          }
        }
        if (!connected) for (const a of log.after(cursor)) received.push(a.id);
        const all = log.newest(1000).reverse().map((a) => a.id);
        expect(received).toEqual(all);
      }),
      { numRuns: 300 },
    );
  });
});
