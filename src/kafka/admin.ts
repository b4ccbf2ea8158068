import type { Admin, ClusterMetadata } from '@platformatic/kafka';
import { UserError } from '../plumbing/errors.ts';
import { waitUntil } from '../plumbing/wait.ts';
import { createAdmin } from './clients.ts';
import { explainKafkaError, isFatalKafkaError } from './failures.ts';
import type { KafkaConnection } from './security.ts';

export interface TopicSpec {
  name: string;
  partitions: number;
}

export interface TopicInfo {
  name: string;
  partitions: number;
  /** Each partition's leader (node id, -1 when none), replicas and in-sync replicas. */
  partitionStates: PartitionState[];
}

export interface PartitionState {
  partition: number;
  leader: number;
  replicas: number[];
  isr: number[];
}

export async function withAdmin<T>(connection: KafkaConnection, use: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = createAdmin(connection, 'pos-admin', { connectTimeout: 2000, requestTimeout: 10_000, retries: 0 });
  try {
    return await use(admin);
  } finally {
    await admin.close().catch(() => {});
  }
}

/** One metadata request: resolves when the cluster answers, rejects otherwise. */
export function fetchClusterMetadata(connection: KafkaConnection): Promise<ClusterMetadata> {
  return withAdmin(connection, (admin) => admin.metadata({ topics: [], forceUpdate: true }));
}

/** Fails with what to do when nothing answers at `brokers` within the deadline. */
export async function connectToKafka(connection: KafkaConnection, external: boolean, timeoutMs = 5000): Promise<void> {
  const { brokers } = connection;
  await waitForBroker(connection, { timeoutMs }).catch((error: unknown) => {
    // Refused credentials, certificates or permissions: a clear message of its own, not "does not answer".
    if (isFatalKafkaError(error)) throw explainKafkaError(error, connection);
    const where = external ? `The Kafka cluster in KAFKA_BROKERS (${brokers.join(',')})` : `Kafka at ${brokers.join(',')}`;
    throw new UserError(`${where} does not answer: ${explainKafkaError(error, connection).message}`, {
      hint: external
        ? 'Check the addresses and that the cluster runs, or unset KAFKA_BROKERS to use the local broker.'
        : 'Start the local broker with `pos kafka up`, or set KAFKA_BROKERS to a cluster you have.',
    });
  });
}

/** Waits until the cluster answers a metadata request, or fails with the last error at the deadline. */
export function waitForBroker(
  connection: KafkaConnection,
  options: { timeoutMs: number; signal?: AbortSignal },
): Promise<ClusterMetadata> {
  return waitUntil(() => fetchClusterMetadata(connection), {
    what: `Kafka at ${connection.brokers.join(',')} to answer`,
    // Retrying cannot fix a refused password, an untrusted certificate or a missing ACL.
    giveUp: isFatalKafkaError,
    intervalMs: 300,
    ...options,
  });
}

export async function partitionCount(connection: KafkaConnection, topic: string): Promise<number> {
  const metadata = await withAdmin(connection, (admin) => admin.metadata({ topics: [topic], forceUpdate: true }));
  const count = metadata.topics.get(topic)?.partitionsCount;
  if (!count) throw new Error(`topic ${topic} has no partitions in the cluster metadata`);
  return count;
}

/** The topic's id, and the first and the next offset of each of its partitions (start = end: empty). */
export async function partitionBounds(
  connection: KafkaConnection,
  topic: string,
): Promise<{ topicId: string; partitions: { partition: number; start: bigint; end: bigint }[] }> {
  return withAdmin(connection, async (admin) => {
    const metadata = (await admin.metadata({ topics: [topic], forceUpdate: true })).topics.get(topic);
    if (!metadata?.partitionsCount) throw new Error(`topic ${topic} has no partitions in the cluster metadata`);
    const partitions = Array.from({ length: metadata.partitionsCount }, (_, partitionIndex) => partitionIndex);
    const listed = (timestamp: bigint) =>
      admin
        .listOffsets({
          topics: [{ name: topic, partitions: partitions.map((partitionIndex) => ({ partitionIndex, timestamp })) }],
        })
        .then(([entry]) => new Map(entry?.partitions.map(({ partitionIndex, offset }) => [partitionIndex, offset])));
    // -2: the earliest offset, -1: the latest (Kafka's conventions for ListOffsets).
    const [starts, ends] = await Promise.all([listed(-2n), listed(-1n)]);
    return {
      topicId: metadata.id,
      partitions: partitions.map((partition) => ({
        partition,
        start: starts.get(partition) ?? 0n,
        end: ends.get(partition) ?? 0n,
      })),
    };
  });
}

export async function listTopics(admin: Admin): Promise<TopicInfo[]> {
  const names = await admin.listTopics();
  if (names.length === 0) return [];
  const metadata = await admin.metadata({ topics: names, forceUpdate: true });
  return [...metadata.topics]
    .map(([name, topic]) => ({
      name,
      partitions: topic.partitionsCount,
      partitionStates: topic.partitions.map(({ leader, replicas, isr }, partition) => ({ partition, leader, replicas, isr })),
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * Creates the topics that do not exist yet (replication: the cluster's default) and returns
 * the names it created, once every partition of every topic has a leader that serves it.
 * Existing topics are left as they are, whatever their partition count.
 * Retries until the deadline: a broker that has just started may not take requests yet.
 */
export async function ensureTopics(connection: KafkaConnection, specs: TopicSpec[], timeoutMs = 30_000): Promise<string[]> {
  const names = specs.map((spec) => spec.name);
  const created: string[] = [];
  await waitUntil(
    () =>
      withAdmin(connection, async (admin) => {
        const existing = new Set(await admin.listTopics());
        for (const spec of specs.filter((spec) => !existing.has(spec.name))) {
          await admin.createTopics({ topics: [spec.name], partitions: spec.partitions, replicas: -1 });
          created.push(spec.name);
        }
        const metadata = await admin.metadata({ topics: names, forceUpdate: true });
        const led = names.every((name) => metadata.topics.get(name)?.partitions.every((partition) => partition.leader >= 0));
        if (!led) return false;
        // A leader in the metadata may not serve its partition yet (NOT_LEADER_OR_FOLLOWER for a
        // moment after creation): the topics are ready when every partition answers ListOffsets.
        await admin.listOffsets({
          topics: names.map((name) => ({
            name,
            partitions: Array.from({ length: metadata.topics.get(name)?.partitionsCount ?? 0 }, (_, partitionIndex) => ({
              partitionIndex,
              timestamp: -1n,
            })),
          })),
        });
        return true;
      }),
    { what: `topics ${names.join(', ')}`, timeoutMs, intervalMs: 300, giveUp: isFatalKafkaError },
  ).catch((error: unknown) => {
    throw isFatalKafkaError(error)
      ? explainKafkaError(error, connection, { topic: names.join(', '), topicOperation: 'CREATE' })
      : error;
  });
  return created;
}
