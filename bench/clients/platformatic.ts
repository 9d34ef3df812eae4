// @platformatic/kafka (pure TypeScript). It declares Node >= 22.22, which the project's
// Node 24 meets. On Node 20 it loaded, but its first promise-returning call threw
// "Promise.withResolvers is not a function" (an ES2024 built-in that Node has from 22),
// and zstd needs Node 22.15's zlib; the earlier comparison on Node 20 measured it with a
// small Promise.withResolvers polyfill, kept here for such a Node (a no-op on 24; the
// report says when it was used). Not a project dependency: loaded from
// bench/clients/.deps (install-candidates.sh).
import type { IncomingMessage, KafkaConnection } from '@mobilecs/platform';
import type { LoadedPackage } from './optional';
import { errorMentions, type BenchClient, type BenchConsumer, type BenchTxProducer } from './types';

// The few parts of its API used here (the package is not installed for the type checker).
interface PMessage {
  topic: string;
  partition: number;
  offset: bigint;
  key?: Buffer | null;
  value?: Buffer | null;
  timestamp: bigint;
}
interface PStream {
  on(event: 'data', listener: (m: PMessage) => void): PStream;
  on(event: 'error', listener: (err: Error) => void): PStream;
  pause(): void;
  resume(): void;
  isPaused(): boolean;
  destroy(err?: Error): void;
  close(): Promise<void>;
}
interface PConsumer {
  groupId: string;
  memberId: string | null;
  generationId: number;
  coordinatorId: number | null;
  consume(options: Record<string, unknown>): Promise<PStream>;
  close(): Promise<void>;
}
interface POutgoing {
  topic: string;
  key?: Buffer;
  value?: Buffer;
  timestamp?: bigint;
  partition?: number;
}
interface PTransaction {
  send(options: { messages: POutgoing[] }): Promise<unknown>;
  addConsumer(consumer: PConsumer): Promise<void>;
  /** Commits message.offset + 1 with the group generation and member id of message.metadata.consumer. */
  addOffset(message: { topic: string; partition: number; offset: bigint; metadata: Record<string, unknown> }): Promise<void>;
  commit(): Promise<void>;
  abort(): Promise<void>;
}
interface PProducer {
  beginTransaction(): Promise<PTransaction>;
  close(): Promise<void>;
}
export interface PlatformaticModule {
  Producer: new (options: Record<string, unknown>) => PProducer;
  Consumer: new (options: Record<string, unknown>) => PConsumer;
  compatibilityPartitioner: unknown;
  FetchIsolationLevels: { READ_COMMITTED: number };
  MessagesStreamModes: { COMMITTED: string };
  MessagesStreamFallbackModes: { EARLIEST: string };
}

/** Installs Promise.withResolvers when missing (Node < 22); returns a note when it did. */
export function polyfillWithResolvers(): string | undefined {
  const P = Promise as unknown as { withResolvers?: () => unknown };
  if (typeof P.withResolvers === 'function') return undefined;
  P.withResolvers = () => {
    let resolve!: (v: unknown) => void;
    let reject!: (e: unknown) => void;
    const promise = new Promise((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
  return `Promise.withResolvers polyfilled: ${process.version} lacks it`;
}

class PlatformaticConsumer implements BenchConsumer {
  private stream: PStream | undefined;

  constructor(
    private readonly k: PlatformaticModule,
    readonly consumer: PConsumer,
    private readonly topic: string,
  ) {}

  get groupId(): string {
    return this.consumer.groupId;
  }

  async run(eachBatch: Parameters<BenchConsumer['run']>[0]): Promise<void> {
    const stream = await this.consumer.consume({
      topics: [this.topic],
      mode: this.k.MessagesStreamModes.COMMITTED,
      fallbackMode: this.k.MessagesStreamFallbackModes.EARLIEST,
      autocommit: false,
      isolationLevel: this.k.FetchIsolationLevels.READ_COMMITTED,
    });
    this.stream = stream;
    // The client emits single messages; gather what arrived while the previous batch was
    // being processed and hand it over as one batch (never two at once).
    let pending: PMessage[] = [];
    let busy = false;
    const drain = async (): Promise<void> => {
      if (busy) return;
      busy = true;
      try {
        while (pending.length > 0) {
          const batch = pending;
          pending = [];
          await eachBatch(batch.map(toIncoming));
          if (stream.isPaused()) stream.resume();
        }
      } catch (err) {
        stream.destroy(err as Error);
      } finally {
        busy = false;
      }
    };
    stream.on('data', (m) => {
      pending.push(m);
      if (pending.length >= 5_000) stream.pause();
      if (!busy) setImmediate(() => void drain());
    });
    stream.on('error', (err) => console.error(`platformatic consumer: ${String(err)}`));
  }

  async disconnect(): Promise<void> {
    await this.stream?.close();
    await this.consumer.close();
  }
}

function toIncoming(m: PMessage): IncomingMessage {
  return {
    topic: m.topic,
    partition: m.partition,
    offset: m.offset,
    key: m.key ? m.key.toString('utf8') : null,
    value: m.value ?? null,
    timestamp: Number(m.timestamp),
    headers: {},
  };
}

export function platformaticClient(conn: KafkaConnection, loaded: LoadedPackage<PlatformaticModule>): BenchClient {
  const k = loaded.module;
  const polyfill = polyfillWithResolvers();
  // retryDelay as our module configures kafkajs (initialRetryTime 100 ms). The default,
  // 1 s, is paid whenever AddPartitionsToTxn meets CONCURRENT_TRANSACTIONS (the previous
  // transaction's markers still being written), which here happens every few transactions.
  const base = { clientId: conn.clientId, bootstrapBrokers: conn.brokers, retryDelay: 100 };
  return {
    name: 'platformatic',
    version: polyfill ? `${loaded.version} (${polyfill})` : loaded.version,
    kip447:
      'partial: TxnOffsetCommit carries the consumer generation and member id, but its consumer fetches committed ' +
      'offsets without require_stable, and KIP-447 is not in its KIP list',
    async transactionalProducer(transactionalId, opts = {}): Promise<BenchTxProducer> {
      // Workaround: as shipped, InitProducerId carries producerId 0 / epoch 0 instead of
      // -1 / -1 ("no current producer"), so the broker answers PRODUCER_FENCED to every new
      // instance of a transactional id that was used before (a restart, or a newer instance
      // fencing a zombie). Passing -1 / -1 explicitly makes it behave like the Java client.
      const noCurrentProducer = opts.asShipped ? {} : { producerId: -1n, producerEpoch: -1 };
      const producer = new k.Producer({
        ...base,
        ...noCurrentProducer,
        transactionalId,
        idempotent: true,
        acks: -1,
        partitioner: k.compatibilityPartitioner,
      });
      return {
        async begin() {
          const tx = await producer.beginTransaction(); // the first one initialises the id (fences older instances)
          return {
            send: async (messages) =>
              void (await tx.send({
                messages: messages.map((m) => ({
                  topic: m.topic,
                  ...(m.key !== null ? { key: Buffer.from(m.key) } : {}),
                  ...(m.value !== null ? { value: Buffer.isBuffer(m.value) ? m.value : Buffer.from(m.value) } : {}),
                  ...(m.timestamp !== undefined ? { timestamp: BigInt(m.timestamp) } : {}),
                  ...(m.partition !== undefined ? { partition: m.partition } : {}),
                })),
              })),
            sendOffsets: async (consumer, offsets) => {
              const c = (consumer as PlatformaticConsumer).consumer;
              await tx.addConsumer(c);
              // addOffset takes the last consumed message. Sequential on purpose: concurrent
              // addOffset calls are de-duplicated into one request (only the first offset
              // would be committed).
              for (const o of offsets) {
                const metadata = { consumer: { groupId: c.groupId, memberId: c.memberId, generationId: c.generationId, coordinatorId: c.coordinatorId } };
                await tx.addOffset({ topic: o.topic, partition: o.partition, offset: BigInt(o.offset) - 1n, metadata });
              }
            },
            commit: () => tx.commit(),
            abort: () => tx.abort(),
          };
        },
        disconnect: () => producer.close(),
      };
    },
    async consumer(groupId, topic) {
      return new PlatformaticConsumer(k, new k.Consumer({ ...base, groupId }), topic);
    },
    isFenced: (err) => errorMentions(err, ['PRODUCER_FENCED', 'INVALID_PRODUCER_EPOCH']),
  };
}
