import { join } from 'node:path';
import { type Config, DEFAULT_KAFKA_PORT } from '../config.ts';
import { errorMessage } from '../errors.ts';
import { connectToKafka, ensureTopics, listTopics, type TopicInfo, withAdmin } from '../kafka/admin.ts';
import { type Logger, silentLogger } from '../logger.ts';
import { pinnedKafkaVersion } from './distribution.ts';
import { localBrokerStatus, startLocalBroker, stopLocalBroker } from './local-broker.ts';

/** The sales topic's partition count: enough for a consumer group of up to six members. */
export const TOPIC_PARTITIONS = 6;

export function deadLetterTopic(topic: string): string {
  return `${topic}.DLQ`;
}

export function localBrokerDir(config: Config): string {
  return join(config.dataDir, 'kafka');
}

/**
 * Where clients connect: KAFKA_BROKERS when set; else the local broker, on the port it was
 * started with (`pos kafka up --port`), or the default port when it is not running.
 */
export function brokersFor(config: Config): string[] {
  return config.kafka.external ? config.kafka.brokers : [`127.0.0.1:${localBrokerPort(config)}`];
}

function localBrokerPort(config: Config): number {
  const local = localBrokerStatus(localBrokerDir(config));
  return local.running ? local.state.port : DEFAULT_KAFKA_PORT;
}

export interface KafkaUpResult {
  brokers: string[];
  external: boolean;
  /** False when a running broker was reused (or the cluster is external). */
  started: boolean;
  createdTopics: string[];
}

/**
 * `pos kafka up`: with KAFKA_BROKERS, only checks that the cluster answers. Otherwise starts the
 * local broker (or reuses the running one) and creates the sales and dead-letter topics if missing.
 */
export async function kafkaUp(config: Config, options: { port?: number; logger?: Logger } = {}): Promise<KafkaUpResult> {
  const logger = options.logger ?? silentLogger;
  if (config.kafka.external) {
    await connectToKafka(config.kafka.brokers, true, 10_000);
    return { brokers: config.kafka.brokers, external: true, started: false, createdTopics: [] };
  }
  // Without --port, a running broker is reused wherever it listens.
  const port = options.port ?? localBrokerPort(config);
  const { started } = await startLocalBroker({ dataDir: localBrokerDir(config), port, logger });
  const brokers = [`127.0.0.1:${port}`];
  const createdTopics = await ensureTopics(brokers, [
    { name: config.topic, partitions: TOPIC_PARTITIONS },
    { name: deadLetterTopic(config.topic), partitions: 1 },
  ]);
  return { brokers, external: false, started, createdTopics };
}

/** `pos kafka down`: stops the local broker; a cluster named by KAFKA_BROKERS is never touched. */
export async function kafkaDown(
  config: Config,
  options: { logger?: Logger } = {},
): Promise<{ stopped: boolean; external: boolean }> {
  if (config.kafka.external) return { stopped: false, external: true };
  const stopped = await stopLocalBroker({ dataDir: localBrokerDir(config), ...options });
  return { stopped: stopped !== undefined, external: false };
}

export interface KafkaStatus {
  brokers: string[];
  external: boolean;
  /** The cluster answered a metadata request. */
  running: boolean;
  /** Known for the local broker only: Kafka does not tell clients its version. */
  version: string | undefined;
  pid: number | undefined;
  topics: TopicInfo[];
  error: string | undefined;
}

export async function kafkaStatus(config: Config): Promise<KafkaStatus> {
  const brokers = brokersFor(config);
  const local = config.kafka.external ? undefined : localBrokerStatus(localBrokerDir(config));
  const base = {
    brokers,
    external: config.kafka.external,
    version: local?.running ? local.state.version : config.kafka.external ? undefined : pinnedKafkaVersion(),
    pid: local?.running ? local.state.pid : undefined,
  };
  // A local broker that is not running is not probed: something else may listen on its port.
  if (local && !local.running) return { ...base, running: false, topics: [], error: undefined };
  try {
    const topics = await withAdmin(brokers, listTopics);
    return { ...base, running: true, topics, error: undefined };
  } catch (error) {
    return { ...base, running: false, topics: [], error: errorMessage(error) };
  }
}
