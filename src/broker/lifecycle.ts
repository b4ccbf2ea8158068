import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { connectToKafka, ensureTopics, listTopics, type TopicInfo, withAdmin } from '../kafka/admin.ts';
import { explainKafkaError, isFatalKafkaError } from '../kafka/failures.ts';
import { describeSecurity, type KafkaConnection, type KafkaSecurity, kafkaSecurityFrom } from '../kafka/security.ts';
import { deadLetterTopic } from '../kafka/topics.ts';
import { type Config, DEFAULT_KAFKA_PORT } from '../plumbing/config.ts';
import { errorMessage, UserError } from '../plumbing/errors.ts';
import { type Logger, silentLogger } from '../plumbing/logger.ts';
import { pinnedKafkaVersion } from './distribution.ts';
import {
  type LocalBrokerState,
  localBrokerStatus,
  nodeAdminConnection,
  startLocalBroker,
  stopLocalBroker,
} from './local-broker.ts';
import { CLUSTER_NODES, clusterRunning, localClusterStatus, startLocalCluster, stopLocalCluster } from './local-cluster.ts';
import { provisionPipelineUser, secureFiles } from './secure-broker.ts';

/** The sales topic's partition count: enough for a consumer group of up to six members. */
export const TOPIC_PARTITIONS = 6;

export function localBrokerDir(config: Config): string {
  return join(config.dataDir, 'kafka');
}

/**
 * Where clients connect: KAFKA_BROKERS when set; else the local cluster's three nodes when it
 * runs (`pos kafka up --brokers 3`); else the local broker, on the port it was started with
 * (`pos kafka up --port`), or the default port when it is not running.
 */
function brokersFor(config: Config): string[] {
  if (config.kafka.external) return config.kafka.brokers;
  const cluster = localClusterStatus(localBrokerDir(config));
  if (cluster.some((node) => node.status.running)) return cluster.map((node) => `127.0.0.1:${node.port}`);
  return [`127.0.0.1:${localBrokerPort(config)}`];
}

/** Where clients connect (brokersFor) and how: the configured security settings. */
export function kafkaConnection(config: Config): KafkaConnection {
  return { brokers: brokersFor(config), security: config.kafka.security };
}

/** Whether `pos` runs a broker (or a cluster) from this data directory. */
export function localKafkaRunning(config: Config): boolean {
  const dir = localBrokerDir(config);
  return localBrokerStatus(dir).running || clusterRunning(dir);
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
  /** The local cluster's nodes this call started (all, or those that were down). */
  startedNodes: number[];
  createdTopics: string[];
  /** Set by --secure: the client configs written for user `pos`. */
  clientConfigs?: { clientProperties: string; mtlsProperties: string };
}

export interface KafkaUpOptions {
  port?: number;
  /** 1 (the default): a single broker; 3: a replicated cluster. Without it, a running cluster is reused. */
  brokers?: number;
  /** The single broker with SASL_SSL, mutual TLS inside and ACLs on (src/broker/secure-broker.ts). */
  secure?: boolean;
  logger?: Logger;
}

/**
 * `pos kafka up`: with KAFKA_BROKERS, only checks that the cluster answers. Otherwise starts the
 * local broker, or with `brokers: 3` the local cluster (or reuses what runs, starting a cluster's
 * stopped nodes), and creates the sales and dead-letter topics if missing (replicated three times
 * on the cluster, needing two in-sync replicas: the cluster's defaults).
 */
export async function kafkaUp(config: Config, options: KafkaUpOptions = {}): Promise<KafkaUpResult> {
  const logger = options.logger ?? silentLogger;
  if (config.kafka.external) {
    await connectToKafka(config.kafka, true, 10_000);
    return { brokers: config.kafka.brokers, external: true, started: false, startedNodes: [], createdTopics: [] };
  }
  const dataDir = localBrokerDir(config);
  const cluster = clusterRunning(dataDir);
  const nodes = options.brokers ?? (cluster ? CLUSTER_NODES : 1);
  if (options.secure && nodes !== 1) throw new UserError('--secure starts a single broker: leave out --brokers.');
  let brokers: string[];
  let admin: KafkaConnection;
  let secure: { port: number; internalPort: number } | undefined;
  let started: boolean;
  let startedNodes: number[] = [];
  if (nodes === CLUSTER_NODES) {
    const result = await startLocalCluster({ dataDir, port: options.port, defaultPort: DEFAULT_KAFKA_PORT, logger });
    brokers = result.brokers;
    admin = { brokers, security: config.kafka.security };
    startedNodes = result.started;
    started = startedNodes.length > 0;
  } else if (nodes === 1) {
    if (cluster) {
      throw new UserError(`A local cluster of ${CLUSTER_NODES} brokers runs from ${dataDir}.`, {
        hint: 'Use it (`pos kafka up --brokers 3`), or run `pos kafka down` first for a single broker.',
      });
    }
    // Without --port, a running broker is reused wherever it listens.
    const port = options.port ?? localBrokerPort(config);
    const local = await startLocalBroker({ dataDir, port, logger, ...(options.secure ? { secure: true } : {}) });
    started = local.started;
    brokers = [`127.0.0.1:${port}`];
    admin = nodeAdminConnection(dataDir, local.state);
    const { internalPort } = local.state;
    if (internalPort !== undefined) secure = { port, internalPort };
  } else {
    throw new UserError(`A local Kafka has 1 or ${CLUSTER_NODES} brokers, not ${nodes}.`);
  }
  const createdTopics = await ensureTopics(admin, [
    { name: config.topic, partitions: TOPIC_PARTITIONS },
    { name: deadLetterTopic(config.topic), partitions: 1 },
  ]);
  // A secure broker (started now or before): user `pos` with its ACLs on this topic, and its client configs.
  const clientConfigs =
    secure === undefined
      ? undefined
      : await provisionPipelineUser({
          dataDir,
          ...secure,
          topic: config.topic,
          dlqTopic: deadLetterTopic(config.topic),
        });
  return { brokers, external: false, started, startedNodes, createdTopics, ...(clientConfigs ? { clientConfigs } : {}) };
}

/** `pos kafka down`: stops the local broker, or every node of the local cluster; a cluster named by KAFKA_BROKERS is never touched. */
export async function kafkaDown(
  config: Config,
  options: { logger?: Logger } = {},
): Promise<{ stopped: boolean; external: boolean; nodes: number }> {
  if (config.kafka.external) return { stopped: false, external: true, nodes: 0 };
  const dataDir = localBrokerDir(config);
  const [single, cluster] = await Promise.all([
    stopLocalBroker({ dataDir, ...options }),
    stopLocalCluster({ dataDir, ...options }),
  ]);
  const nodes = (single ? 1 : 0) + cluster.length;
  return { stopped: nodes > 0, external: false, nodes };
}

export interface KafkaNodeStatus {
  nodeId: number;
  address: string;
  pid: number | undefined;
  running: boolean;
}

export interface KafkaStatus {
  brokers: string[];
  /** How clients connect: protocol, mechanism and user, CA file; never the password. */
  security: string;
  external: boolean;
  /** The cluster answered a metadata request. */
  running: boolean;
  /** Known for the local broker only: Kafka does not tell clients its version. */
  version: string | undefined;
  pid: number | undefined;
  /** The local cluster's nodes (empty for a single broker or an external cluster). */
  nodes: KafkaNodeStatus[];
  topics: TopicInfo[];
  error: string | undefined;
}

export async function kafkaStatus(config: Config): Promise<KafkaStatus> {
  const { brokers } = kafkaConnection(config);
  const dataDir = localBrokerDir(config);
  const cluster = config.kafka.external ? [] : localClusterStatus(dataDir);
  const nodes: KafkaNodeStatus[] = cluster.some((node) => node.status.running)
    ? cluster.map((node) => ({
        nodeId: node.nodeId,
        address: `127.0.0.1:${node.port}`,
        pid: node.status.running ? node.status.state.pid : undefined,
        running: node.status.running,
      }))
    : [];
  const local = config.kafka.external || nodes.length > 0 ? undefined : localBrokerStatus(dataDir);
  const secureConfig = local?.running ? secureClientConfig(config, dataDir, local.state) : undefined;
  const connection: KafkaConnection = { brokers, security: secureConfig?.security ?? config.kafka.security };
  const base = {
    brokers,
    security: `${describeSecurity(connection.security)}${secureConfig ? ` (from ${secureConfig.file})` : ''}`,
    external: config.kafka.external,
    version: local?.running ? local.state.version : config.kafka.external ? undefined : pinnedKafkaVersion(),
    pid: local?.running ? local.state.pid : undefined,
    nodes,
  };
  // A local broker that is not running is not probed: something else may listen on its port.
  if (local && !local.running) return { ...base, running: false, topics: [], error: undefined };
  try {
    const topics = await withAdmin(connection, listTopics);
    return { ...base, running: true, topics, error: undefined };
  } catch (error) {
    // Refused credentials, certificate or ACL: a failure of its own (exit 1), not "not running".
    if (isFatalKafkaError(error)) throw explainKafkaError(error, connection);
    return { ...base, running: false, topics: [], error: errorMessage(error) };
  }
}

/**
 * The broker `pos kafka up --secure` started refuses plaintext clients: with no security
 * configured (no KAFKA_CONFIG, no KAFKA_SECURITY_PROTOCOL), status connects as user pos with the
 * client.properties that `up` wrote beside it. Configured settings always win.
 */
function secureClientConfig(
  config: Config,
  dataDir: string,
  state: LocalBrokerState,
): { file: string; security: KafkaSecurity } | undefined {
  const file = secureFiles(dataDir).clientProperties;
  if (state.internalPort === undefined || config.kafka.security.protocol !== 'PLAINTEXT' || !existsSync(file)) return undefined;
  return { file, security: kafkaSecurityFrom({}, file, dataDir).security };
}
