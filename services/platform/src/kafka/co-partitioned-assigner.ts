import { AssignerProtocol, type PartitionAssigner } from 'kafkajs';

/**
 * Assigns partition number i of every subscribed topic to the same member, so that a
 * subscriber's agreements and data records (co-partitioned by msisdn) meet in one
 * instance. Partition numbers are spread round-robin over the members sorted by id.
 * `userData` goes into this member's metadata, where every member can read it with
 * describeGroups (group-membership.ts: the URL its live queries answer at).
 */
export function coPartitionedAssigner(userData: Buffer = Buffer.alloc(0)): PartitionAssigner {
  return ({ cluster }) => ({
    name: 'MobilecsCoPartitioned',
    version: 1,
    async assign({ members, topics }) {
      const memberIds = members.map((m) => m.memberId).sort();
      const counts = topics.map((t) => cluster.findTopicPartitionMetadata(t).length);
      const maxPartitions = Math.max(0, ...counts);
      const assignment = new Map<string, Record<string, number[]>>(memberIds.map((id) => [id, {}]));
      for (let p = 0; p < maxPartitions; p++) {
        const member = memberIds[p % memberIds.length];
        if (member === undefined) continue;
        const a = assignment.get(member)!;
        topics.forEach((topic, i) => {
          if (p < (counts[i] ?? 0)) (a[topic] ??= []).push(p);
        });
      }
      return memberIds.map((memberId) => ({
        memberId,
        memberAssignment: AssignerProtocol.MemberAssignment.encode({ version: 1, assignment: assignment.get(memberId) ?? {}, userData: Buffer.alloc(0) }),
      }));
    },
    protocol({ topics }) {
      return { name: 'MobilecsCoPartitioned', metadata: AssignerProtocol.MemberMetadata.encode({ version: 1, topics, userData }) };
    },
  });
}

/** The assigner of a member that advertises nothing. */
export const CoPartitionedAssigner: PartitionAssigner = coPartitionedAssigner();
