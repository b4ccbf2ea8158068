import type { SqlRunner } from '../database.ts';
import { type Statement, statement } from './statement.ts';

export interface PartitionOffset {
  partition: number;
  offset: bigint;
}

/** The next offset to ingest in a partition, and the id of the topic it belongs to (null if not known yet). */
export interface ClaimedOffset {
  offset: bigint;
  topicId: string | null;
}

/**
 * Locks this group's offset rows for these partitions (creating them at 0 if new, for `topicId`)
 * and returns the next offset to ingest for each. Held until commit, the lock makes two members
 * that both believe they own a partition (during a rebalance) take turns, so neither writes twice.
 */
export async function claimOffsets(
  db: SqlRunner,
  group: string,
  topic: string,
  partitions: number[],
  topicId: string | undefined,
): Promise<Map<number, ClaimedOffset>> {
  const locked = () =>
    db.query<{ partition: number; next_offset: string; topic_id: string | null }>(
      `select partition, next_offset::text, topic_id::text from pos.ingest_offset
        where consumer_group = $1 and topic = $2 and partition = any($3::int[])
        order by partition
        for update`,
      [group, topic, partitions],
    );
  // Every partition has its row after the group's first batch: it is added only when missing,
  // with the topic's id (a row without one would not tell a recreated topic's offsets apart).
  let rows = await locked();
  if (rows.length < new Set(partitions).size) {
    await db.query(
      `insert into pos.ingest_offset (consumer_group, topic, partition, next_offset, topic_id)
       select $1, $2, partition, 0, $4::uuid from unnest($3::int[]) as partition
       on conflict do nothing`,
      [group, topic, partitions, topicId ?? null],
    );
    rows = await locked();
  }
  return new Map(rows.map((row) => [row.partition, { offset: BigInt(row.next_offset), topicId: row.topic_id }]));
}

/** The statement that moves this group's offsets forward (never back) to the next offset after what the batch held. */
export function offsetsAdvance(group: string, topic: string, next: PartitionOffset[]): Statement | undefined {
  if (next.length === 0) return undefined;
  return statement(
    `update pos.ingest_offset o
        set next_offset = greatest(o.next_offset, n.next_offset), updated_at = now()
       from unnest($3::int[], $4::bigint[]) as n (partition, next_offset)
      where o.consumer_group = $1 and o.topic = $2 and o.partition = n.partition`,
    [group, topic, next.map((entry) => entry.partition), next.map((entry) => String(entry.offset))],
  );
}

/** Gives the group an offset for the partitions it has none for (a new group starts there), leaving the others. */
export async function anchorOffsets(db: SqlRunner, group: string, topic: string, offsets: PartitionOffset[]): Promise<void> {
  if (offsets.length === 0) return;
  await db.query(
    `insert into pos.ingest_offset (consumer_group, topic, partition, next_offset)
     select $1, $2, partition, next_offset from unnest($3::int[], $4::bigint[]) as anchor (partition, next_offset)
     on conflict do nothing`,
    [group, topic, offsets.map((entry) => entry.partition), offsets.map((entry) => String(entry.offset))],
  );
}
