import { describe, expect, it } from 'vitest';
import { AssignerProtocol, type GroupDescription } from 'kafkajs';
import { decodeMemberInfo, encodeMemberInfo, groupViewOf } from './group-membership';

const member = (id: string, userData: Buffer, assignment: Record<string, number[]>) => ({
  memberId: id,
  clientId: 'mobilecs-ingester',
  clientHost: '/10.0.0.1',
  memberMetadata: AssignerProtocol.MemberMetadata.encode({ version: 1, topics: Object.keys(assignment), userData }),
  memberAssignment: AssignerProtocol.MemberAssignment.encode({ version: 1, assignment, userData: Buffer.alloc(0) }),
});

describe('member info', () => {
  it('round-trips the advertised URL; none, foreign or unreadable userData is reported, never thrown', () => {
    expect(decodeMemberInfo(encodeMemberInfo({ url: 'http://ingester-1:8082' }))).toEqual({ url: 'http://ingester-1:8082' });
    expect(decodeMemberInfo(Buffer.alloc(0))).toBeNull();
    expect(decodeMemberInfo(Buffer.from('{nope'))).toBe('member userData is not JSON (5 bytes)');
    expect(decodeMemberInfo(Buffer.from('{"v":2,"url":"http://x"}'))).toContain('version 2');
    expect(decodeMemberInfo(Buffer.from('{"v":1}'))).toBe('member userData has no url');
  });
});

describe('groupViewOf', () => {
  it("decodes each member's advertised URL and assignment (sorted), members by id", () => {
    const description: GroupDescription = {
      groupId: 'g',
      protocol: 'MobilecsCoPartitioned',
      protocolType: 'consumer',
      state: 'Stable',
      members: [
        member('m-2', encodeMemberInfo({ url: 'http://b:8082' }), { agreements: [4, 1], records: [1, 4] }),
        member('m-1', encodeMemberInfo({ url: 'http://a:8082' }), { agreements: [0, 3], records: [3, 0] }),
        member('m-3', Buffer.from('garbage'), { records: [2] }),
      ],
    };
    const view = groupViewOf(description);
    expect(view.state).toBe('Stable');
    expect(view.members.map((m) => [m.memberId, m.url, m.assignment.records])).toEqual([
      ['m-1', 'http://a:8082', [0, 3]],
      ['m-2', 'http://b:8082', [1, 4]],
      ['m-3', null, [2]],
    ]);
    expect(view.members[2]?.problem).toContain('not JSON');
    expect(view.members[0]?.problem).toBeUndefined();
  });
  it('a member in the middle of a rebalance (no metadata or assignment yet) has no URL and no partitions', () => {
    const view = groupViewOf({ groupId: 'g', protocol: '', protocolType: 'consumer', state: 'PreparingRebalance', members: [{ memberId: 'm', clientId: 'c', clientHost: 'h', memberMetadata: Buffer.alloc(0), memberAssignment: Buffer.alloc(0) }] });
    expect(view.members).toEqual([{ memberId: 'm', clientId: 'c', clientHost: 'h', url: null, assignment: {} }]);
  });
});
