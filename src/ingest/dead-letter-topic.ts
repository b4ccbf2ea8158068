import { type MessageToProduce, ProduceAcks, Producer } from '@platformatic/kafka';
import { deadLetterTopic } from '../broker/lifecycle.ts';
import type { Warehouse } from '../warehouse/database.ts';
import { markDeadLettersPublished, type PendingDeadLetter, pendingDeadLetters } from '../warehouse/sql/dead-letter-outbox.ts';

/**
 * Copies stored dead letters to `<topic>.DLQ`, with the code, the detail and where the message
 * came from in headers. The table is the outbox: a letter is marked published only after Kafka
 * has taken it, so a crash in between means it is published again (at least once), never lost.
 * The rows stay locked during the send so that two members never publish the same letter; the
 * producer gives up after a few retries, so the locks are never held for long.
 */
export class DeadLetterTopic {
  readonly #warehouse: Warehouse;
  readonly #producer: Producer;

  constructor(warehouse: Warehouse, brokers: string[]) {
    this.#warehouse = warehouse;
    this.#producer = new Producer({
      clientId: 'pos-dead-letters',
      bootstrapBrokers: brokers,
      idempotent: true,
      acks: ProduceAcks.ALL,
      retries: 3,
    });
  }

  /** Publishes every pending letter; returns how many. */
  async publishPending(): Promise<number> {
    let published = 0;
    for (;;) {
      const count = await this.#warehouse.transaction(async (tx) => {
        const letters = await pendingDeadLetters(tx, 500);
        if (letters.length === 0) return 0;
        await this.#producer.send({ messages: letters.map(toDeadLetterMessage) });
        await markDeadLettersPublished(
          tx,
          letters.map((letter) => letter.id),
        );
        return letters.length;
      });
      if (count === 0) return published;
      published += count;
    }
  }

  close(): Promise<void> {
    return this.#producer.close();
  }
}

function toDeadLetterMessage(letter: PendingDeadLetter): MessageToProduce<Buffer, Buffer, Buffer, Buffer> {
  return {
    topic: deadLetterTopic(letter.topic),
    key: letter.key ? Buffer.from(letter.key) : undefined,
    value: Buffer.from(letter.raw_value ?? []),
    headers: new Map([
      [Buffer.from('error-code'), Buffer.from(letter.error_code)],
      [Buffer.from('error-detail'), Buffer.from(letter.error_detail)],
      [Buffer.from('source-topic'), Buffer.from(letter.topic)],
      [Buffer.from('source-partition'), Buffer.from(String(letter.partition))],
      [Buffer.from('source-offset'), Buffer.from(letter.offset)],
    ]),
  };
}
