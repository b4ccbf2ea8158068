import { ConfigResourceTypes, ProduceAcks } from '@platformatic/kafka';
import { withAdmin } from '../kafka/admin.ts';
import { createProducer, type KafkaProducer } from '../kafka/clients.ts';
import { classifySendFailure, describeRefusal } from '../kafka/failures.ts';
import type { KafkaConnection } from '../kafka/security.ts';
import { deadLetterTopic } from '../kafka/topics.ts';
import { errorMessage } from '../plumbing/errors.ts';
import { createLogger, type Logger } from '../plumbing/logger.ts';
import type { Warehouse } from '../warehouse/database.ts';
import {
  type ClaimedDeadLetter,
  claimDeadLetters,
  markDeadLettersPublished,
  markDeadLettersRefused,
  releaseDeadLetterClaims,
} from '../warehouse/sql/dead-letter-outbox.ts';
import {
  DEFAULT_MAX_MESSAGE_BYTES,
  type DeadLetterRecord,
  type LetterToPublish,
  planSends,
  publishRetryDelayMs,
  sendBudget,
  toDeadLetterRecord,
} from './dead-letter-sends.ts';

/**
 * The dead-letter outbox: copies the letters stored in `pos.dead_letter` to `<topic>.DLQ`, with
 * the error code, the detail and the source position in headers. The table is the outbox: a
 * letter is marked published only after Kafka has taken it, so a crash in between publishes it
 * again (at least once), never loses it.
 *
 * ```ts
 * const outbox = new DeadLetterOutbox({ warehouse, kafka, logger, topics: [topic] });
 * outbox.startTimer(10_000);              // publishes now, then every 10 s (failures are logged)
 * await outbox.publishPending();          // and at once, e.g. after a batch with rejections
 * await outbox.close();                   // stops the timer, waits for a pass in flight
 * ```
 *
 * - `publishPending(): Promise<{ published, failed }>` publishes every letter that is due and
 *   resolves when none is left; `failed` counts the letters Kafka refused, which keep the error
 *   (`publish_error`, `publish_attempts`) and are tried again later, 10 s after the first refusal
 *   and twice as long after each further one (at most an hour). It rejects only when Kafka cannot
 *   be reached (or the database fails): the letters it had claimed are released untouched. Calls
 *   made while a pass runs share the next pass.
 * - `startTimer(intervalMs)` runs a pass now and every `intervalMs`; `close()` stops it and
 *   closes the producer.
 *
 * How a pass goes, so that no database transaction stays open across a Kafka send: claim a few
 * megabytes of letters in one statement (`publish_claimed_until`: other publishers skip them),
 * send, then mark the letters the claim still holds (a send slower than the lease leaves them to
 * whoever has claimed them since, attempt counts and all). Sends are capped in bytes below the DLQ
 * topic's `max.message.bytes` (read from the broker, else its default), a letter too large even
 * alone is truncated (dead-letter-sends.ts), and a send Kafka refuses is retried letter by letter,
 * so that one letter it refuses never holds back the others.
 */
export class DeadLetterOutbox {
  readonly #warehouse: Warehouse;
  readonly #kafka: KafkaConnection;
  readonly #logger: Logger;
  readonly #topics: string[] | undefined;
  readonly #producer: KafkaProducer;
  readonly #budgets = new Map<string, { budget: number; readAt: number }>();
  #chain: Promise<unknown> = Promise.resolve();
  #queued: Promise<PublishResult> | undefined;
  #timer: NodeJS.Timeout | undefined;

  constructor(options: DeadLetterOutboxOptions) {
    this.#warehouse = options.warehouse;
    this.#kafka = options.kafka;
    this.#logger = options.logger ?? createLogger({ level: 'silent' });
    this.#topics = options.topics;
    // Not idempotent: @platformatic/kafka's idempotent producer never settles its first send when
    // no broker answers; duplicates on a retried send are within the outbox's at-least-once anyway.
    this.#producer = createProducer(options.kafka, 'pos-dead-letters', { acks: ProduceAcks.ALL, retries: 3 });
  }

  /** Publishes every letter that is due; see the module's comment. */
  publishPending(): Promise<PublishResult> {
    if (this.#queued) return this.#queued;
    const pass = this.#chain.then(() => {
      this.#queued = undefined;
      return this.#publishAll();
    });
    this.#queued = pass;
    this.#chain = pass.catch(() => {});
    return pass;
  }

  /** Publishes now and then every `intervalMs`, logging what it published and why it could not. */
  startTimer(intervalMs = 10_000): void {
    if (this.#timer) return;
    const tick = () => {
      this.publishPending().then(
        ({ published, failed }) => {
          if (published > 0 || failed > 0) this.#logger.debug({ published, failed }, 'Dead letters copied to the DLQ topic');
        },
        (error: unknown) =>
          this.#logger.warn(
            { err: errorMessage(error) },
            'Could not copy dead letters to the DLQ topic yet; they stay in the table and are retried',
          ),
      );
    };
    tick();
    this.#timer = setInterval(tick, intervalMs).unref();
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#chain;
    await this.#producer.close().catch(() => {});
  }

  async #publishAll(): Promise<PublishResult> {
    const total: PublishResult = { published: 0, failed: 0 };
    for (;;) {
      const letters = await claimDeadLetters(this.#warehouse, {
        topics: this.#topics,
        limit: CLAIM_LETTERS,
        maxBytes: CLAIM_BYTES,
        leaseSeconds: CLAIM_LEASE_SECONDS,
      });
      if (letters.length === 0) return total;
      await this.#publishClaimed(letters, total);
    }
  }

  async #publishClaimed(claimed: ClaimedDeadLetter[], total: PublishResult): Promise<void> {
    // One claim statement, one token: what this pass may mark.
    const claim = (claimed[0] as ClaimedDeadLetter).claim;
    const letters = claimed.map(toLetter);
    const attempts = new Map(claimed.map((letter) => [letter.id, letter.publish_attempts]));
    const budgets = await this.#sendBudgets([...new Set(letters.map((letter) => deadLetterTopic(letter.topic)))]);
    const budgetOf = (topic: string) => budgets.get(topic) ?? sendBudget(DEFAULT_MAX_MESSAGE_BYTES);
    const records = letters.map((letter) => toDeadLetterRecord(letter, budgetOf(deadLetterTopic(letter.topic))));
    const unsettled = new Set(letters.map((letter) => letter.id));
    const settle = async (published: DeadLetterRecord[], refused: { record: DeadLetterRecord; error: unknown }[]) => {
      const marked = [
        ...(await markDeadLettersPublished(
          this.#warehouse,
          claim,
          published.map((record) => record.letterId),
        )),
        ...(await markDeadLettersRefused(
          this.#warehouse,
          claim,
          refused.map(({ record, error }) => ({
            id: record.letterId,
            error: describeRefusal(error),
            retryInSeconds: publishRetryDelayMs((attempts.get(record.letterId) ?? 0) + 1) / 1000,
          })),
        )),
      ];
      const settled = [...published, ...refused.map((entry) => entry.record)];
      if (marked.length < settled.length) {
        const markedIds = new Set(marked);
        this.#logger.warn(
          {
            letters: settled.filter((record) => !markedIds.has(record.letterId)).map((record) => record.letterId),
            leaseSeconds: CLAIM_LEASE_SECONDS,
          },
          'The claim on these dead letters lapsed while they were sent: left unmarked for the publisher that holds them now (a letter Kafka took may be published twice)',
        );
      }
      for (const record of settled) unsettled.delete(record.letterId);
      total.published += published.length;
      total.failed += refused.length;
      const [first] = refused;
      if (first) {
        this.#logger.warn(
          {
            letters: refused.slice(0, 10).map(({ record }) => record.letterId),
            count: refused.length,
            topic: first.record.topic,
            err: describeRefusal(first.error),
          },
          'Kafka refused dead letters; they stay in the table and are tried again later',
        );
      }
    };
    try {
      for (const send of planSends(records, budgetOf)) await this.#deliver(send.records, settle);
    } catch (error) {
      await releaseDeadLetterClaims(this.#warehouse, claim, [...unsettled]).catch(() => {});
      throw error;
    }
  }

  /** Sends the records together; if Kafka refuses them, finds which one by one. Throws only when Kafka cannot be reached (or the database fails). */
  async #deliver(
    records: DeadLetterRecord[],
    settle: (published: DeadLetterRecord[], refused: { record: DeadLetterRecord; error: unknown }[]) => Promise<void>,
  ): Promise<unknown> {
    let failure: unknown;
    try {
      await this.#producer.send({
        messages: records.map((record) => ({
          topic: record.topic,
          key: record.key,
          value: record.value,
          headers: new Map(record.headers.map(([name, value]) => [Buffer.from(name), Buffer.from(value)])),
        })),
      });
    } catch (error) {
      failure = error ?? new Error('the send failed');
    }
    if (failure === undefined) {
      await settle(records, []);
      return undefined;
    }
    const kind = classifySendFailure(failure);
    if (kind === 'unreachable') throw failure;
    if (records.length === 1 || kind === 'topic') {
      await settle(
        [],
        records.map((record) => ({ record, error: failure })),
      );
      return failure;
    }
    for (const [index, record] of records.entries()) {
      const refusal = await this.#deliver([record], settle);
      if (refusal !== undefined && classifySendFailure(refusal) === 'topic') {
        await settle(
          [],
          records.slice(index + 1).map((rest) => ({ record: rest, error: refusal })),
        );
        return refusal;
      }
    }
    return undefined;
  }

  /** Each DLQ topic's send budget, from its `max.message.bytes`, read at most once a minute. */
  async #sendBudgets(topics: string[]): Promise<Map<string, number>> {
    const now = Date.now();
    const stale = topics.filter((topic) => (this.#budgets.get(topic)?.readAt ?? 0) < now - BUDGET_TTL_MS);
    if (stale.length > 0) {
      const limits = await readMaxMessageBytes(this.#kafka, stale, this.#logger);
      for (const topic of stale) {
        this.#budgets.set(topic, { budget: sendBudget(limits.get(topic) ?? DEFAULT_MAX_MESSAGE_BYTES), readAt: now });
      }
    }
    return new Map(topics.map((topic) => [topic, this.#budgets.get(topic)?.budget ?? sendBudget(DEFAULT_MAX_MESSAGE_BYTES)]));
  }
}

export interface DeadLetterOutboxOptions {
  warehouse: Warehouse;
  kafka: KafkaConnection;
  /** Where refusals and timer failures are logged; silent when absent. */
  logger?: Logger;
  /** Publish only the letters from these source topics; every topic's when absent. */
  topics?: string[];
}

export interface PublishResult {
  /** Letters Kafka took. */
  published: number;
  /** Letters Kafka refused: marked with the error, tried again later. */
  failed: number;
}

/** Letters claimed at once, at most, and their keys and values in bytes (the first is claimed whatever its size). */
const CLAIM_LETTERS = 500;
const CLAIM_BYTES = 4 * 1024 * 1024;
/** How long a claim keeps other publishers off: longer than a claim's sends take, even with the producer's retries. */
const CLAIM_LEASE_SECONDS = 300;
const BUDGET_TTL_MS = 60_000;

function toLetter(row: ClaimedDeadLetter): LetterToPublish {
  const bytes = (value: Uint8Array | null) =>
    value === null ? null : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  return {
    id: row.id,
    topic: row.topic,
    partition: row.partition,
    offset: row.offset,
    key: bytes(row.key),
    value: bytes(row.raw_value),
    errorCode: row.error_code,
    errorDetail: row.error_detail,
  };
}

/** Each topic's `max.message.bytes`, as the broker has it; a topic it cannot tell is left out (the caller assumes the default). */
export async function readMaxMessageBytes(
  kafka: KafkaConnection,
  topics: string[],
  logger: Logger,
): Promise<Map<string, number>> {
  const limits = new Map<string, number>();
  await withAdmin(kafka, (admin) =>
    Promise.all(
      topics.map(async (topic) => {
        try {
          const [description] = await admin.describeConfigs({
            resources: [
              { resourceType: ConfigResourceTypes.TOPIC, resourceName: topic, configurationKeys: ['max.message.bytes'] },
            ],
          });
          const value = Number(description?.configs.find((config) => config.name === 'max.message.bytes')?.value);
          if (Number.isSafeInteger(value) && value > 0) limits.set(topic, value);
        } catch (error) {
          logger.debug(
            { topic, err: errorMessage(error), assumed: DEFAULT_MAX_MESSAGE_BYTES },
            "Could not read the DLQ topic's max.message.bytes",
          );
        }
      }),
    ),
  ).catch((error: unknown) => logger.debug({ err: errorMessage(error) }, "Could not read the DLQ topics' max.message.bytes"));
  return limits;
}
