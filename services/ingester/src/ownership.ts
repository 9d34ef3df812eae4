// Which instance owns which input partition, from the consumer group's own description
// (members' advertised URLs and assignments: Kafka Streams' metadata for key). Pure.
import type { GroupView } from '@mobilecs/platform';

export interface Instance {
  readonly url: string;
  /** Input partitions it owns, ascending. */
  readonly partitions: readonly number[];
}

/** Why the group cannot answer completely now: answered 503 with this code. */
export interface NoOwnership {
  readonly code: 'rebalancing' | 'instance-unavailable';
  readonly message: string;
}

export type Ownership = { readonly ok: true; readonly instances: readonly Instance[] } | ({ readonly ok: false } & NoOwnership);

/**
 * The owners of partitions 0 … partitionCount − 1 of `topic`, or why there are none now:
 * the group is not Stable (a rebalance is running), a partition has no owner or two, or a
 * member advertises no URL, an unreadable one, or the same URL as another member.
 */
export function ownershipOf(view: GroupView, topic: string, partitionCount: number): Ownership {
  if (view.state !== 'Stable') {
    return { ok: false, code: 'rebalancing', message: `consumer group ${view.groupId} is ${view.state === 'Empty' || view.state === 'Dead' || view.state === 'Unknown' ? `${view.state} (no instance consumes)` : `rebalancing (${view.state})`}; try again in a moment` };
  }
  const instances: Instance[] = [];
  const owner = new Map<number, string>();
  for (const m of view.members) {
    const who = `member ${m.clientId} at ${m.clientHost}`;
    if (m.url === null) {
      return { ok: false, code: 'instance-unavailable', message: `${who} advertises no URL (${m.problem ?? 'an instance without INGESTER_ADVERTISED_URL, of an older version?'}); its partitions cannot be asked` };
    }
    if (instances.some((i) => i.url === m.url)) {
      return { ok: false, code: 'instance-unavailable', message: `two members advertise the same URL ${m.url}; give each instance its own INGESTER_ADVERTISED_URL` };
    }
    const partitions = [...(m.assignment[topic] ?? [])].sort((a, b) => a - b);
    for (const p of partitions) {
      const other = owner.get(p);
      if (other !== undefined) return { ok: false, code: 'rebalancing', message: `partition ${p} is assigned to both ${other} and ${m.url}; try again in a moment` };
      owner.set(p, m.url);
    }
    instances.push({ url: m.url, partitions });
  }
  const orphans = Array.from({ length: partitionCount }, (_, p) => p).filter((p) => !owner.has(p));
  if (orphans.length > 0) {
    return { ok: false, code: 'rebalancing', message: `partition${orphans.length > 1 ? 's' : ''} ${orphans.join(', ')} of ${topic} ${orphans.length > 1 ? 'have' : 'has'} no owner in group ${view.groupId} yet; try again in a moment` };
  }
  instances.sort((a, b) => (a.partitions[0] ?? Infinity) - (b.partitions[0] ?? Infinity) || (a.url < b.url ? -1 : 1));
  return { ok: true, instances };
}
