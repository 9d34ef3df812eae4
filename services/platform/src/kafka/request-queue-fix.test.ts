import { createRequire } from 'node:module';
import { describe, expect, it, vi } from 'vitest';
import { fixKafkajsRequestQueue } from './request-queue-fix';

describe('the kafkajs request-queue fix', () => {
  it('schedules no check when nothing is pending or throttled, and one when a request waits', () => {
    expect(fixKafkajsRequestQueue()).toBe(true);
    const require = createRequire(import.meta.url);
    const RequestQueue = require('kafkajs/src/network/requestQueue/index.js') as { prototype: { scheduleCheckPendingRequests: (this: object) => void } };
    const spy = vi.spyOn(globalThis, 'setTimeout');
    const idle = { pending: [], throttledUntil: -1, throttleCheckTimeoutId: null };
    RequestQueue.prototype.scheduleCheckPendingRequests.call(idle);
    expect(spy).not.toHaveBeenCalled();
    const waiting = { pending: [{}], throttledUntil: -1, throttleCheckTimeoutId: null as unknown, checkPendingRequests: () => undefined };
    RequestQueue.prototype.scheduleCheckPendingRequests.call(waiting);
    expect(spy).toHaveBeenCalledTimes(1);
    expect(spy.mock.calls[0]![1]).toBeGreaterThan(0); // never a negative delay
    clearTimeout(waiting.throttleCheckTimeoutId as NodeJS.Timeout);
    spy.mockRestore();
  });
});
