// Where the processor's outputs go (pure: no clock, no metrics, no I/O): data records
// become Cassandra rows; aggregates, late records, dead letters, copies and changelog
// entries become Kafka messages, grouped by the partition whose transaction carries them.
import { aggregateCodec, dataRecordCodec, deadLetterCodec, importedRecordCodec, lateRecordCodec, stringifyExact, type DataPlanTrigger, type DeadLetter } from '@mobilecs/domain';
import type { OutgoingMessage, TopicNames } from '@mobilecs/platform';
import type { DuplicateOutput, StateChange, UsageOutput } from '@mobilecs/windowing';
import type { StoredRow } from './data-record-store';

export interface RoutingContext {
  readonly topics: TopicNames;
  readonly changelogTopic: string;
  /** Stamped on dead letters built here. */
  readonly rejectedAt: Date;
}

export interface RoutedOutputs {
  readonly rows: StoredRow[];
  /** Messages per partition, sorted by partition; the input partition is present even with none. */
  readonly byPartition: Map<number, OutgoingMessage[]>;
  readonly counts: {
    matched: number;
    late: number;
    duplicates: number;
    aggregates: Partial<Record<DataPlanTrigger, number>>;
    deadLetters: Record<string, number>;
  };
}

/**
 * Routes one unit of work: the processor's outputs, dead letters for input messages of
 * the input partition, and the state changes. Throws if a value cannot be encoded (our
 * own bug: the caller rebuilds its state).
 */
export function routeOutputs(
  ctx: RoutingContext,
  outputs: readonly UsageOutput[],
  inputDeadLetters: readonly OutgoingMessage[],
  changes: readonly StateChange[],
  inputPartition: number | undefined,
): RoutedOutputs {
  const rows: StoredRow[] = [];
  const byPartition = new Map<number, OutgoingMessage[]>();
  const counts: RoutedOutputs['counts'] = { matched: 0, late: 0, duplicates: 0, aggregates: {}, deadLetters: {} };
  const add = (p: number, m: OutgoingMessage) => {
    const list = byPartition.get(p);
    if (list) list.push(m);
    else byPartition.set(p, [m]);
  };
  const { topics } = ctx;
  for (const o of outputs) {
    switch (o.kind) {
      case 'data-record':
        rows.push(o.arrival ? { record: o.record, arrival: o.arrival } : { record: o.record });
        counts.matched++;
        break;
      case 'aggregate':
        add(o.partition, { topic: topics.dataRecordsAggregates, key: o.key, value: aggregateCodec.encode(o.aggregate), timestamp: o.timestampMs });
        counts.aggregates[o.aggregate.type] = (counts.aggregates[o.aggregate.type] ?? 0) + 1;
        break;
      case 'late':
        add(o.partition, { topic: topics.dataRecordsLate, key: o.key, value: lateRecordCodec.encode({ ...o.record, reason: o.message }), timestamp: o.timestampMs });
        counts.late++;
        break;
      case 'dead-letter': {
        const recordLetter: DeadLetter & { record: unknown } = {
          source: { topic: topics.incomingDataRecords, partition: o.partition, ...(o.record.offset !== undefined ? { offset: o.record.offset } : {}) },
          reason: o.reason,
          message: o.message,
          record: importedRecordCodec.toJson(o.record),
          rejectedAt: ctx.rejectedAt.toISOString(),
        };
        add(o.partition, {
          topic: topics.deadLetters,
          key: topics.incomingDataRecords,
          value: deadLetterCodec.encode(recordLetter),
        });
        counts.deadLetters[o.reason] = (counts.deadLetters[o.reason] ?? 0) + 1;
        break;
      }
      case 'duplicate':
        add(o.partition, duplicateLetter(ctx, o));
        counts.duplicates++;
        break;
    }
  }
  if (inputPartition !== undefined) for (const d of inputDeadLetters) add(inputPartition, d);
  for (const c of changes) add(c.partition, { topic: ctx.changelogTopic, partition: c.partition, key: c.key, value: c.value === null ? null : stringifyExact(c.value) });
  // The input partition's transaction also commits the input offsets: it runs even when empty.
  if (inputPartition !== undefined && !byPartition.has(inputPartition)) byPartition.set(inputPartition, []);
  return { rows, byPartition: new Map([...byPartition].sort(([a], [b]) => a - b)), counts };
}

interface Where {
  topic: string;
  partition: number | null;
  offset: string | null;
  file?: string;
  line?: number;
}

/**
 * A record not counted because its billing period already counted a copy of it: on the
 * dead-letter topic with both arrivals (`first`: the counted copy, `source`: this one),
 * so the operator can find the two sources.
 */
export function duplicateLetter(ctx: RoutingContext, o: DuplicateOutput): OutgoingMessage {
  const topic = ctx.topics.incomingDataRecords;
  const where = (a: { partition: number | null; offset: string | null; source?: { file: string; line: number } } | null): Where | null =>
    a === null ? null : { topic, partition: a.partition, offset: a.offset, ...(a.source ? { file: a.source.file, line: a.source.line } : {}) };
  const describe = (w: Where | null) =>
    w === null ? 'an unknown arrival' : w.file !== undefined ? `${w.file}:${w.line} (${topic}/${w.partition}@${w.offset})` : `${topic}/${w.partition}@${w.offset ?? '?'}`;
  const first = where(o.first);
  const second = where(o.second);
  const message =
    `record ${o.record.internalRecordId} not counted again: billing period ${o.record.year}-${o.record.month} of agreement ${o.record.agreementId} ` +
    `already counts it, from ${describe(first)}; this copy came from ${describe(second)}`;
  const letter: DeadLetter & { first: Where | null; record: unknown } = {
    source: second ?? { topic, partition: o.partition },
    reason: 'duplicate-record',
    message,
    first,
    record: dataRecordCodec.toJson(o.record),
    rejectedAt: ctx.rejectedAt.toISOString(),
  };
  return {
    topic: ctx.topics.deadLetters,
    key: topic,
    value: deadLetterCodec.encode(letter),
  };
}
