import type { Warehouse } from '../warehouse/database.ts';
import { DeadLetterOutbox } from './dead-letter-outbox.ts';

/**
 * The consumer's former entry to the dead-letter outbox, kept only until the consumer uses
 * DeadLetterOutbox itself (then delete this file).
 */
export class DeadLetterTopic {
  readonly #outbox: DeadLetterOutbox;

  constructor(warehouse: Warehouse, brokers: string[]) {
    this.#outbox = new DeadLetterOutbox({ warehouse, brokers });
  }

  /** Publishes every pending letter; returns how many Kafka took. */
  async publishPending(): Promise<number> {
    return (await this.#outbox.publishPending()).published;
  }

  close(): Promise<void> {
    return this.#outbox.close();
  }
}
