import { Admin, type ClusterMetadata } from '@platformatic/kafka';
import { waitUntil } from '../wait.ts';

export interface TopicSpec {
  name: string;
  partitions: number;
}

export interface TopicInfo {
  name: string;
  partitions: number;
}

export function createAdmin(brokers: string[], clientId = 'pos-admin'): Admin {
  return new Admin({ clientId, bootstrapBrokers: brokers, connectTimeout: 2000, requestTimeout: 10_000, retries: 0 });
}

export async function withAdmin<T>(brokers: string[], use: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = createAdmin(brokers);
  try {
    return await use(admin);
  } finally {
    await admin.close().catch(() => {});
  }
}

/** One metadata request: resolves when the cluster answers, rejects otherwise. */
export function fetchClusterMetadata(brokers: string[]): Promise<ClusterMetadata> {
  return withAdmin(brokers, (admin) => admin.metadata({ topics: [], forceUpdate: true }));
}

/** Waits until the cluster answers a metadata request, or fails with the last error at the deadline. */
export function waitForBroker(brokers: string[], options: { timeoutMs: number; signal?: AbortSignal }): Promise<ClusterMetadata> {
  return waitUntil(() => fetchClusterMetadata(brokers), {
    what: `Kafka at ${brokers.join(',')} to answer`,
    intervalMs: 300,
    ...options,
  });
}

export async function listTopics(admin: Admin): Promise<TopicInfo[]> {
  const names = await admin.listTopics();
  if (names.length === 0) return [];
  const metadata = await admin.metadata({ topics: names, forceUpdate: true });
  return [...metadata.topics]
    .map(([name, topic]) => ({ name, partitions: topic.partitionsCount }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * Creates the topics that do not exist yet (replication: the cluster's default) and returns
 * the names it created, once every topic is in the cluster metadata with a leader for each
 * partition. Existing topics are left as they are, whatever their partition count.
 * Retries until the deadline: a broker that has just started may not take requests yet.
 */
export async function ensureTopics(brokers: string[], specs: TopicSpec[], timeoutMs = 30_000): Promise<string[]> {
  const names = specs.map((spec) => spec.name);
  const created: string[] = [];
  await waitUntil(
    () =>
      withAdmin(brokers, async (admin) => {
        const existing = new Set(await admin.listTopics());
        for (const spec of specs.filter((spec) => !existing.has(spec.name))) {
          await admin.createTopics({ topics: [spec.name], partitions: spec.partitions, replicas: -1 });
          created.push(spec.name);
        }
        const metadata = await admin.metadata({ topics: names, forceUpdate: true });
        return names.every((name) => metadata.topics.get(name)?.partitions.every((partition) => partition.leader >= 0));
      }),
    { what: `topics ${names.join(', ')}`, timeoutMs, intervalMs: 300 },
  );
  return created;
}
