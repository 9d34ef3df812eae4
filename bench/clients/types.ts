// The tiny surface the client comparison needs: what our Kafka module's transactional
// producer and consumer offer to the ingester, nothing more. One adapter per client
// library implements it, so every client runs the very same workload (workload.ts).
import type { IncomingMessage, OutgoingMessage, TopicPartitionOffset } from '@mobilecs/platform';

export interface BenchTransaction {
  send(messages: OutgoingMessage[]): Promise<void>;
  /**
   * Commits `consumer`'s offsets (next offset to read) inside this transaction. Clients
   * with KIP-447 send the consumer's group metadata (generation, member id) with them.
   */
  sendOffsets(consumer: BenchConsumer, offsets: TopicPartitionOffset[]): Promise<void>;
  commit(): Promise<void>;
  abort(): Promise<void>;
}

export interface BenchTxProducer {
  /** Begins a transaction (the first call also initialises the transactional id, fencing older instances). */
  begin(): Promise<BenchTransaction>;
  disconnect(): Promise<void>;
}

export interface BenchConsumer {
  readonly groupId: string;
  /**
   * Consumes the subscribed topic with read_committed, no auto-commit, from the earliest
   * offset. `eachBatch` calls never overlap: the next starts after the previous resolved.
   * Resolves once consuming has started; stops at disconnect().
   */
  run(eachBatch: (messages: IncomingMessage[]) => Promise<void>): Promise<void>;
  disconnect(): Promise<void>;
}

export interface BenchClient {
  /** Short name used on the command line and in the report. */
  readonly name: string;
  readonly version: string;
  /** How the client commits consumer offsets in a transaction (KIP-447 or not), from its API and protocol. */
  readonly kip447: string;
  /**
   * `asShipped` turns off any workaround the adapter applies for a bug of the client
   * (used by the restart check, so the report shows the client's own behaviour).
   */
  transactionalProducer(transactionalId: string, opts?: { asShipped?: boolean }): Promise<BenchTxProducer>;
  consumer(groupId: string, topic: string): Promise<BenchConsumer>;
  /** True if `err` says the producer was fenced by a newer one with the same transactional id. */
  isFenced(err: unknown): boolean;
}

/** Searches an error, its cause and nested errors for one of `names` (codes, types, names or messages). */
export function errorMentions(err: unknown, names: string[], depth = 0): boolean {
  if (err === null || err === undefined || depth > 5) return false;
  if (typeof err === 'string' || typeof err === 'number') return names.some((n) => String(err).includes(n));
  if (typeof err !== 'object') return false;
  const e = err as Record<string, unknown>;
  for (const field of ['code', 'type', 'name', 'message', 'apiId']) {
    const v = e[field];
    if ((typeof v === 'string' || typeof v === 'number') && names.some((n) => String(v).includes(n))) return true;
  }
  const nested = [e.cause, e.originalError, ...(Array.isArray(e.errors) ? (e.errors as unknown[]) : [])];
  return nested.some((n) => errorMentions(n, names, depth + 1));
}

/** A one-line description of an error for the report. */
export function errorText(err: unknown): string {
  if (err instanceof Error) {
    const c = (err as { code?: unknown }).code ?? (err as { type?: unknown }).type;
    const code = typeof c === 'string' || typeof c === 'number' ? `[${c}]` : '';
    const inner = (err as { errors?: unknown[] }).errors?.[0] ?? (err as { cause?: unknown }).cause;
    return `${err.name}${code}: ${err.message}${inner ? ` <- ${errorText(inner)}` : ''}`.slice(0, 300);
  }
  return String(err).slice(0, 300);
}
