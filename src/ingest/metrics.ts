import { DEAD_LETTER_CODES } from '../contract/validate.ts';
import { client, metricsRegistry } from '../metrics/registry.ts';

/** What a message came to, in `pos_consumer_messages_total{outcome}`. */
export const MESSAGE_OUTCOMES = ['landed', 'duplicate', 'already_ingested', 'dead_letter'] as const;

/** What the consumer is doing; `pos_consumer_state{state}` is 1 for the current one. */
export const CONSUMER_STATES = ['starting', 'running', 'waiting_for_database', 'waiting_for_kafka', 'stopped'] as const;
export type ConsumerState = (typeof CONSUMER_STATES)[number];

export interface PartitionLag {
  topic: string;
  partition: number;
  messages: number;
}

/** A member's lag per partition; undefined when Kafka does not answer. */
export type LagSource = () => Promise<PartitionLag[] | undefined>;
const lagSources = new Set<LagSource>();

export type ConsumerMetrics = ReturnType<typeof createConsumerMetrics>;

let created: ConsumerMetrics | undefined;

/**
 * The consumer's metrics, in the process's one registry (README, "Monitoring", has the table),
 * registered on the first call (the consumer's start, or a command about to serve `/metrics`):
 * importing registers nothing. Labelled series are created at zero then, so that a rate or an
 * alert sees them from the first scrape on, not from their first event.
 */
export function consumerMetrics(): ConsumerMetrics {
  if (!created) created = createConsumerMetrics();
  return created;
}

function createConsumerMetrics() {
  const registers = [metricsRegistry()];
  const messages = new client.Counter({
    name: 'pos_consumer_messages_total',
    help: 'Messages in committed batches, by outcome: landed (a new transaction), duplicate (stored already, same content), already_ingested (below the group offsets), dead_letter',
    labelNames: ['outcome'],
    registers,
  });
  const deadLetters = new client.Counter({
    name: 'pos_consumer_dead_letters_total',
    help: 'Messages stored as dead letters, by error code',
    labelNames: ['code'],
    registers,
  });
  const lines = new client.Counter({
    name: 'pos_consumer_lines_landed_total',
    help: 'Sales lines of the transactions landed',
    registers,
  });
  const batches = new client.Counter({
    name: 'pos_consumer_batches_total',
    help: 'Batches committed to the database',
    registers,
  });
  const batchWrite = new client.Histogram({
    name: 'pos_consumer_batch_write_duration_seconds',
    help: 'Time to write one batch in its database transaction, commit included (retries after an outage excluded)',
    buckets: [0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1, 2, 5],
    registers,
  });
  const endToEnd = new client.Histogram({
    name: 'pos_consumer_end_to_end_latency_seconds',
    help: "From a message's Kafka record timestamp to the commit of the batch that wrote it",
    buckets: [
      0.005, 0.01, 0.015, 0.02, 0.025, 0.03, 0.04, 0.05, 0.06, 0.075, 0.1, 0.125, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.75, 1, 1.5, 2,
      3, 5, 10, 20, 30, 45, 60, 90, 120, 180, 300,
    ],
    registers,
  });
  const gaps = new client.Counter({
    name: 'pos_consumer_gaps_total',
    help: 'Gaps found: offsets deleted from the topic before the group read them (pos.ingest_gap)',
    registers,
  });
  const gapMessages = new client.Counter({
    name: 'pos_consumer_gap_messages_total',
    help: 'Messages in the gaps found',
    registers,
  });
  const lastGap = new client.Gauge({
    name: 'pos_consumer_last_gap_timestamp_seconds',
    help: 'When this process last found a gap, as a Unix time (0: never); an alert can fire for a while after it, even when the gap was found before the first scrape',
    registers,
  });
  const recreations = new client.Counter({
    name: 'pos_consumer_topic_recreations_total',
    help: 'Times the topic was found deleted and recreated',
    registers,
  });
  const rebalances = new client.Counter({
    name: 'pos_consumer_rebalances_total',
    help: "Partition assignments received by this process's members: each join of the group and each rebalance",
    registers,
  });
  const retries = new client.Counter({
    name: 'pos_consumer_retries_total',
    help: 'Waits before trying again, by what failed: database (an outage), kafka (an outage), other (a failure retried a few times)',
    labelNames: ['dependency'],
    registers,
  });
  const state = new client.Gauge({
    name: 'pos_consumer_state',
    help: 'What the consumer is doing: 1 for the current state, 0 for the others',
    labelNames: ['state'],
    registers,
  });
  const ready = new client.Gauge({
    name: 'pos_consumer_ready',
    help: 'Whether every member has joined the group and is not waiting out an outage (1) or not (0)',
    registers,
  });
  const deadLettersUnpublished = new client.Gauge({
    name: 'pos_consumer_dead_letters_unpublished',
    help: 'Dead letters stored but not yet copied to the DLQ topic (the outbox backlog), at its last pass',
    registers,
  });
  /** Set at each scrape from the members' sessions (see `addLagSource`). */
  const lag = new client.Gauge({
    name: 'pos_consumer_lag_messages',
    help: 'Messages in an assigned partition after what the consumer has written, at scrape time',
    labelNames: ['topic', 'partition'],
    registers,
    async collect() {
      this.reset();
      for (const source of lagSources) {
        const partitions = await source().catch(() => undefined);
        for (const entry of partitions ?? [])
          this.set({ topic: entry.topic, partition: String(entry.partition) }, entry.messages);
      }
    },
  });

  for (const outcome of MESSAGE_OUTCOMES) messages.inc({ outcome }, 0);
  for (const code of DEAD_LETTER_CODES) deadLetters.inc({ code }, 0);
  for (const dependency of ['database', 'kafka', 'other']) retries.inc({ dependency }, 0);

  const metrics = {
    messages,
    deadLetters,
    lines,
    batches,
    batchWrite,
    endToEnd,
    gaps,
    gapMessages,
    lastGap,
    recreations,
    rebalances,
    retries,
    deadLettersUnpublished,
    lag,
    /** Adds a member's lag to the scrape; the returned function removes it. */
    addLagSource(source: LagSource): () => void {
      lagSources.add(source);
      return () => lagSources.delete(source);
    },
    setState(current: ConsumerState, isReady: boolean): void {
      for (const name of CONSUMER_STATES) state.set({ state: name }, name === current ? 1 : 0);
      ready.set(isReady ? 1 : 0);
    },
  };
  metrics.setState('stopped', false);
  return metrics;
}
