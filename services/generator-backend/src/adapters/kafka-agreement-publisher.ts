import { javaAgreementCodec, type Agreement } from '@mobilecs/domain';
import type { OutgoingMessage } from '@mobilecs/platform';
import type { AgreementPublisher } from '../ports';

/** The part of KafkaProducer we use. */
export interface MessageSender {
  send(messages: OutgoingMessage[]): Promise<void>;
}

/** The agreement's Kafka message: key msisdn, timestamp signedAt, value in the original's Java timestamp form. */
export function agreementMessage(topic: string, a: Agreement): OutgoingMessage {
  return { topic, key: a.msisdn, value: javaAgreementCodec.encode(a), timestamp: a.signedAt };
}

export class KafkaAgreementPublisher implements AgreementPublisher {
  constructor(
    private readonly sender: MessageSender,
    private readonly topic: string,
  ) {}

  async publish(agreements: readonly Agreement[]): Promise<void> {
    await this.sender.send(agreements.map((a) => agreementMessage(this.topic, a)));
  }
}
