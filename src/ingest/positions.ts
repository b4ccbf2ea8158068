/**
 * Where a consumer-group member starts reading each partition it is assigned: a pure decision,
 * made from what the database has stored for the group and what Kafka says the topic is now.
 * The database is the source of truth for offsets; these rules make sure a stored offset that no
 * longer fits the log (records deleted, a log truncated, a topic deleted and recreated) is
 * corrected openly, never by silently skipping messages.
 */
import type { Gap, StoredPosition } from '../warehouse/sql/read-positions.ts';

/** Where a group starts a partition it has no stored offset for. */
export type StartPolicy = 'earliest' | 'latest';

/** A partition as Kafka has it now: its first offset (log start) and its high watermark. */
export interface PartitionBounds {
  partition: number;
  start: bigint;
  end: bigint;
}

/** A stored offset beyond the end of the log (the log was truncated after the group read it). */
export interface Truncation {
  partition: number;
  stored: bigint;
  end: bigint;
}

export interface PositionPlan {
  /** Where to fetch each assigned partition from. */
  starts: Map<number, bigint>;
  /** Offsets to store (set as they are, not only moved forward), with the topic's id. */
  writes: { partition: number; offset: bigint }[];
  /** Set when the stored offsets belong to a topic of the same name that no longer exists. */
  recreated: { previousTopicId: string; topicId: string } | undefined;
  gaps: Gap[];
  truncations: Truncation[];
}

export interface PlanInput {
  topicId: string;
  /** The partitions this member is assigned, with their bounds now. */
  assigned: PartitionBounds[];
  /** Every offset the group has stored for the topic, assigned to this member or not. */
  stored: StoredPosition[];
  policy: StartPolicy;
}

/**
 * The rules, per assigned partition:
 * - stored offsets of another topic id (deleted and recreated): all of them are void; the new
 *   topic is read from its beginning, whatever the policy (replays are no-ops by transaction id);
 * - no stored offset: the log start (`earliest`) or the high watermark (`latest`), stored at once
 *   so that no later run, whatever its flags, starts anywhere else;
 * - a stored offset below the log start: a gap, recorded; reading resumes at the log start;
 * - a stored offset above the high watermark: a truncation, recorded; reading resumes at the
 *   high watermark;
 * - otherwise the stored offset.
 * The partitions of the group that other members own keep their offsets, except when the topic
 * was recreated: then every stored offset of the group restarts at 0 under the new id.
 */
export function planPositions({ topicId, assigned, stored, policy }: PlanInput): PositionPlan {
  const previousTopicId = stored.find((position) => position.topicId !== null && position.topicId !== topicId)?.topicId;
  const recreated = previousTopicId ? { previousTopicId, topicId } : undefined;
  const storedByPartition = new Map(recreated ? [] : stored.map((position) => [position.partition, position]));
  const plan: PositionPlan = { starts: new Map(), writes: [], recreated, gaps: [], truncations: [] };
  const assignedPartitions = new Set(assigned.map((bounds) => bounds.partition));

  for (const { partition, start, end } of assigned) {
    const position = storedByPartition.get(partition);
    let offset: bigint;
    if (position === undefined) {
      offset = recreated || policy === 'earliest' ? start : end;
      // A recreated topic is read from offset 0: records already deleted from it are a gap too.
      if (recreated && start > 0n) plan.gaps.push({ partition, firstMissing: 0n, lastMissing: start - 1n, count: start });
    } else if (position.offset < start) {
      offset = start;
      plan.gaps.push({ partition, firstMissing: position.offset, lastMissing: start - 1n, count: start - position.offset });
    } else if (position.offset > end) {
      offset = end;
      plan.truncations.push({ partition, stored: position.offset, end });
    } else {
      offset = position.offset;
    }
    plan.starts.set(partition, offset);
    if (position === undefined || position.offset !== offset || position.topicId !== topicId) {
      plan.writes.push({ partition, offset });
    }
  }
  if (recreated) {
    for (const { partition } of stored) {
      if (!assignedPartitions.has(partition)) plan.writes.push({ partition, offset: 0n });
    }
  }
  return plan;
}

/**
 * The partitions a group has not ingested to their end, by its stored offsets: what
 * `--until-idle` waits for. A partition with no stored offset is done only when it is empty.
 * Offsets of another topic id count as none (the topic was recreated).
 */
export function partitionsNotCaughtUp(topicId: string, bounds: PartitionBounds[], stored: StoredPosition[]): number[] {
  const next = new Map(
    stored
      .filter((position) => position.topicId === null || position.topicId === topicId)
      .map((position) => [position.partition, position.offset]),
  );
  return bounds
    .filter(({ partition, start, end }) => {
      const offset = next.get(partition);
      return offset === undefined ? end > start : offset < end;
    })
    .map(({ partition }) => partition);
}
