import { describe, expect, it } from 'vitest';
import type { GroupMemberView, GroupView } from '@mobilecs/platform';
import { ownershipOf } from './ownership';

const T = 'incoming-data-records';
const member = (id: string, url: string | null, partitions: number[], problem?: string): GroupMemberView => ({
  memberId: id,
  clientId: 'mobilecs-ingester',
  clientHost: '/127.0.0.1',
  url,
  assignment: { [T]: partitions, agreements: partitions },
  ...(problem ? { problem } : {}),
});
const view = (members: GroupMemberView[], state: GroupView['state'] = 'Stable'): GroupView => ({ groupId: 'g', state, members });

describe('ownershipOf', () => {
  it('maps every partition to the URL its member advertises', () => {
    expect(ownershipOf(view([member('b', 'http://b:1', [1, 4]), member('a', 'http://a:1', [3, 0]), member('c', 'http://c:1', [2, 5])]), T, 6)).toEqual({
      ok: true,
      instances: [
        { url: 'http://a:1', partitions: [0, 3] },
        { url: 'http://b:1', partitions: [1, 4] },
        { url: 'http://c:1', partitions: [2, 5] },
      ],
    });
  });
  it('a member without partitions (more instances than partitions) is still an instance', () => {
    const own = ownershipOf(view([member('a', 'http://a:1', [0]), member('b', 'http://b:1', [])]), T, 1);
    expect(own).toMatchObject({ ok: true, instances: [{ url: 'http://a:1' }, { url: 'http://b:1', partitions: [] }] });
  });
  it('a group that is not Stable is rebalancing', () => {
    expect(ownershipOf(view([member('a', 'http://a:1', [])], 'PreparingRebalance'), T, 1)).toMatchObject({ ok: false, code: 'rebalancing', message: expect.stringContaining('PreparingRebalance') as string });
    expect(ownershipOf(view([], 'Empty'), T, 1)).toMatchObject({ ok: false, code: 'rebalancing', message: expect.stringContaining('no instance consumes') as string });
  });
  it('a partition without an owner, or with two, is a rebalance not finished', () => {
    expect(ownershipOf(view([member('a', 'http://a:1', [0, 2])]), T, 4)).toMatchObject({ ok: false, code: 'rebalancing', message: expect.stringContaining('partitions 1, 3 of incoming-data-records have no owner') as string });
    expect(ownershipOf(view([member('a', 'http://a:1', [0]), member('b', 'http://b:1', [0])]), T, 1)).toMatchObject({ ok: false, code: 'rebalancing' });
  });
  it('a member without a URL, or two with the same, cannot be asked: instance-unavailable naming why', () => {
    expect(ownershipOf(view([member('a', null, [0], 'member userData is not JSON (3 bytes)')]), T, 1)).toMatchObject({
      ok: false,
      code: 'instance-unavailable',
      message: expect.stringContaining('advertises no URL (member userData is not JSON') as string,
    });
    expect(ownershipOf(view([member('a', 'http://x:1', [0]), member('b', 'http://x:1', [1])]), T, 2)).toMatchObject({
      ok: false,
      code: 'instance-unavailable',
      message: expect.stringContaining('same URL http://x:1') as string,
    });
  });
});
