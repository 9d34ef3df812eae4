import { describe, expect, it } from 'vitest';
import { judgeSnapshot } from './local-snapshot-trust';

const facts = { start: 100n, end: 1000n, deleteRetentionMs: 86_400_000 };
const now = 1_700_000_000_000;

describe('judgeSnapshot', () => {
  it('uses a snapshot inside the log and younger than delete.retention.ms', () => {
    expect(judgeSnapshot({ offset: 100n, writtenAt: now - 1000 }, facts, now)).toEqual({ use: true });
    expect(judgeSnapshot({ offset: 1000n, writtenAt: now - 86_399_999 }, facts, now)).toEqual({ use: true });
  });

  it('restores fully when records after the snapshot may be gone or the log is another one', () => {
    expect(judgeSnapshot({ offset: 99n, writtenAt: now }, facts, now)).toSatisfy((v: { use: boolean; reason?: string }) => !v.use && v.reason!.includes('below the log start offset 100'));
    expect(judgeSnapshot({ offset: 1001n, writtenAt: now }, facts, now)).toSatisfy((v: { use: boolean; reason?: string }) => !v.use && v.reason!.includes('past the end'));
    expect(judgeSnapshot({ offset: 500n, writtenAt: now - 86_400_000 }, facts, now)).toSatisfy((v: { use: boolean; reason?: string }) => !v.use && v.reason!.includes('delete.retention.ms'));
    expect(judgeSnapshot({ offset: 500n, writtenAt: now + 5 }, facts, now)).toSatisfy((v: { use: boolean; reason?: string }) => !v.use && v.reason!.includes('future'));
    expect(judgeSnapshot({ offset: 500n, writtenAt: now }, undefined, now)).toMatchObject({ use: false });
  });
});
