// Who is in a consumer group and which partitions each member owns, learned from the group
// itself (Kafka Streams' application.server: each member puts the URL it answers queries
// at into its member metadata, and every member reads all members' metadata and
// assignments). The encoding of our member metadata is here, next to its decoding, so the
// assigner (co-partitioned-assigner.ts) and the reader cannot drift apart.
import { AssignerProtocol, type Admin, type GroupDescription } from 'kafkajs';
import { createClient } from './client';
import { KafkaUnavailableError } from './errors';
import type { KafkaConnection } from './types';

/** Version of the JSON in a member's userData. */
const MEMBER_INFO_VERSION = 1;

/** What a member tells the others about itself. */
export interface MemberInfo {
  /** The URL its live queries answer at (INGESTER_ADVERTISED_URL), e.g. http://10.0.0.7:8082. */
  readonly url: string;
}

/** One member of a consumer group, in our words. */
export interface GroupMemberView {
  readonly memberId: string;
  readonly clientId: string;
  readonly clientHost: string;
  /** The URL the member advertises; null when it advertises none (or its metadata cannot be read: see `problem`). */
  readonly url: string | null;
  /** Partitions assigned to it, by topic (empty while the group is rebalancing). */
  readonly assignment: Readonly<Record<string, readonly number[]>>;
  /** Why its metadata or assignment could not be read, if so. */
  readonly problem?: string;
}

/** Kafka's consumer-group states (ConsumerGroupState); only `Stable` has a settled assignment. */
export type GroupState = 'Unknown' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable' | 'Dead' | 'Empty';

export interface GroupView {
  readonly groupId: string;
  readonly state: GroupState;
  readonly members: readonly GroupMemberView[];
}

/** The userData bytes of a member advertising `info` (JSON, versioned). */
export function encodeMemberInfo(info: MemberInfo): Buffer {
  return Buffer.from(JSON.stringify({ v: MEMBER_INFO_VERSION, url: info.url }), 'utf8');
}

/** A member's userData back to its info: null for none (an older member); an error text when unreadable. Never throws. */
export function decodeMemberInfo(userData: Buffer | null | undefined): MemberInfo | null | string {
  if (!userData || userData.length === 0) return null;
  let value: unknown;
  try {
    value = JSON.parse(userData.toString('utf8'));
  } catch {
    return `member userData is not JSON (${userData.length} bytes)`;
  }
  if (typeof value !== 'object' || value === null) return 'member userData is not a JSON object';
  const { v, url } = value as { v?: unknown; url?: unknown };
  if (v !== MEMBER_INFO_VERSION) return `member userData has version ${JSON.stringify(v)}, expected ${MEMBER_INFO_VERSION}`;
  if (typeof url !== 'string' || url.length === 0) return 'member userData has no url';
  return { url };
}

/** Decodes kafkajs's description of a group (binary member metadata and assignments) into our types. */
export function groupViewOf(description: GroupDescription): GroupView {
  const members = description.members.map((m): GroupMemberView => {
    const problems: string[] = [];
    let url: string | null = null;
    // Metadata and assignment are the consumer protocol's only when protocolType is "consumer".
    const metadata = m.memberMetadata.length > 0 ? safely(() => AssignerProtocol.MemberMetadata.decode(m.memberMetadata)) : null;
    if (metadata instanceof Error) problems.push(`member metadata unreadable: ${metadata.message}`);
    else if (metadata) {
      const info = decodeMemberInfo(metadata.userData);
      if (typeof info === 'string') problems.push(info);
      else if (info) url = info.url;
    }
    const decoded = m.memberAssignment.length > 0 ? safely(() => AssignerProtocol.MemberAssignment.decode(m.memberAssignment)) : null;
    if (decoded instanceof Error) problems.push(`member assignment unreadable: ${decoded.message}`);
    const assignment: Record<string, number[]> = {};
    if (decoded && !(decoded instanceof Error)) {
      for (const [topic, partitions] of Object.entries(decoded.assignment)) assignment[topic] = [...partitions].sort((a, b) => a - b);
    }
    return {
      memberId: m.memberId,
      clientId: m.clientId,
      clientHost: m.clientHost,
      url,
      assignment,
      ...(problems.length ? { problem: problems.join('; ') } : {}),
    };
  });
  members.sort((a, b) => (a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0));
  return { groupId: description.groupId, state: description.state, members };
}

function safely<T>(f: () => T): T | Error {
  try {
    return f();
  } catch (err) {
    return err instanceof Error ? err : new Error(String(err));
  }
}

/** Reads consumer groups' membership (describeGroups) on its own admin connection. */
export class KafkaGroupMembership {
  private constructor(private readonly admin: Admin) {}

  static async connect(conn: KafkaConnection): Promise<KafkaGroupMembership> {
    const admin = createClient(conn).admin();
    try {
      await admin.connect();
    } catch (err) {
      throw new KafkaUnavailableError(conn.brokers, err);
    }
    return new KafkaGroupMembership(admin);
  }

  /** The group's state, members, their advertised URLs and assignments. */
  async describe(groupId: string): Promise<GroupView> {
    const res = await this.admin.describeGroups([groupId]);
    const group = res.groups.find((g) => g.groupId === groupId);
    if (!group) return { groupId, state: 'Unknown', members: [] };
    return groupViewOf(group);
  }

  async disconnect(): Promise<void> {
    await this.admin.disconnect();
  }
}
