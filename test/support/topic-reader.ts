import { KafkaConsumer, type IncomingMessage, type KafkaConnection } from '@mobilecs/platform';
import { uniqueName } from './servers';

/**
 * Reads a topic from the beginning with a fresh consumer group until `expected`
 * messages arrived (or `waitMs` passed), then lingers `lingerMs` to catch any extra
 * message, so "exactly N" can be asserted.
 */
export async function readTopic(
  conn: KafkaConnection,
  topic: string,
  opts: { expected: number; readCommitted?: boolean; waitMs?: number; lingerMs?: number },
): Promise<IncomingMessage[]> {
  const consumer = await KafkaConsumer.connect(conn, {
    groupId: uniqueName('reader'),
    readCommitted: opts.readCommitted ?? true,
    fromBeginning: true,
  });
  const got: IncomingMessage[] = [];
  await consumer.subscribe([topic]);
  await consumer.run({ eachBatch: async (b) => void got.push(...b.messages) });
  const deadline = Date.now() + (opts.waitMs ?? 30_000);
  while (got.length < opts.expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  await new Promise((r) => setTimeout(r, opts.lingerMs ?? 1000));
  await consumer.disconnect();
  return got;
}
