// kafkajs 2.2.4 (unmaintained; fixes unmerged: its issues #1704, #1751, PRs #1755, #1768)
// re-schedules its pending-request check after every check, even with nothing pending and
// no throttling: `setTimeout(throttledUntil − now)` with throttledUntil = −1, a negative
// delay, so a 1 ms loop per broker connection for the life of the client. Node 24 warns
// about it (TimeoutNegativeWarning) and it burns CPU: 8 idle producers here used 234 ms of
// CPU per 10 s, 42 ms with this fix. The fix: no re-check when nothing is pending and
// nothing throttled; a request queued later schedules its own check (push), and a
// response triggers one (fulfillRequest), so no request can wait for a check that is not
// coming. Applied once, only to the exact version it was written for.
import { createRequire } from 'node:module';

interface RequestQueueInternals {
  pending: unknown[];
  throttledUntil: number;
}

let applied = false;

export function fixKafkajsRequestQueue(): boolean {
  if (applied) return true;
  const require = createRequire(import.meta.url);
  const version = (require('kafkajs/package.json') as { version: string }).version;
  if (version !== '2.2.4') return false;
  const RequestQueue = require('kafkajs/src/network/requestQueue/index.js') as { prototype: { scheduleCheckPendingRequests: (this: RequestQueueInternals) => void } };
  const original = RequestQueue.prototype.scheduleCheckPendingRequests;
  RequestQueue.prototype.scheduleCheckPendingRequests = function (this: RequestQueueInternals): void {
    if (this.pending.length === 0 && this.throttledUntil <= Date.now()) return;
    original.call(this);
  };
  applied = true;
  return true;
}
