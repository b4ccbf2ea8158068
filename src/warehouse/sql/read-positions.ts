import type { SqlRunner } from '../database.ts';

/** What the database holds for one partition of a group's topic. */
export interface StoredPosition {
  partition: number;
  offset: bigint;
  /** Kafka's id of the topic the offset belongs to; null for offsets stored before ids were kept. */
  topicId: string | null;
}

/** Offsets the log no longer held when the group got there: never ingested. */
export interface Gap {
  partition: number;
  firstMissing: bigint;
  lastMissing: bigint;
  count: bigint;
}

export type PositionEventKind = 'topic_recreated' | 'offset_beyond_end';

/** Every offset the group has stored for the topic, with the topic ids. `lock` holds them until the transaction ends. */
export async function storedPositions(db: SqlRunner, group: string, topic: string, lock = false): Promise<StoredPosition[]> {
  const rows = await db.query<{ partition: number; next_offset: string; topic_id: string | null }>(
    `select partition, next_offset::text, topic_id::text from pos.ingest_offset
      where consumer_group = $1 and topic = $2 order by partition${lock ? ' for update' : ''}`,
    [group, topic],
  );
  return rows.map((row) => ({ partition: row.partition, offset: BigInt(row.next_offset), topicId: row.topic_id }));
}

/** Stores these offsets as they are (forward or back) under the topic's id: where the group reads next. */
export async function storePositions(
  db: SqlRunner,
  group: string,
  topic: string,
  topicId: string,
  positions: { partition: number; offset: bigint }[],
): Promise<void> {
  if (positions.length === 0) return;
  await db.query(
    `insert into pos.ingest_offset (consumer_group, topic, partition, next_offset, topic_id)
     select $1, $2, partition, next_offset, $3::uuid from unnest($4::int[], $5::bigint[]) as p (partition, next_offset)
     on conflict (consumer_group, topic, partition)
     do update set next_offset = excluded.next_offset, topic_id = excluded.topic_id, updated_at = now()`,
    [group, topic, topicId, positions.map((p) => p.partition), positions.map((p) => String(p.offset))],
  );
}

export async function recordGaps(db: SqlRunner, group: string, topic: string, gaps: Gap[]): Promise<void> {
  if (gaps.length === 0) return;
  await db.query(
    `insert into pos.ingest_gap (consumer_group, topic, partition, first_missing, last_missing, missing_count)
     select $1, $2, partition, first_missing, last_missing, missing_count
       from unnest($3::int[], $4::bigint[], $5::bigint[], $6::bigint[]) as g (partition, first_missing, last_missing, missing_count)`,
    [
      group,
      topic,
      gaps.map((gap) => gap.partition),
      gaps.map((gap) => String(gap.firstMissing)),
      gaps.map((gap) => String(gap.lastMissing)),
      gaps.map((gap) => String(gap.count)),
    ],
  );
}

export async function recordPositionEvent(
  db: SqlRunner,
  event: { group: string; topic: string; partition: number | null; kind: PositionEventKind; detail: string },
): Promise<void> {
  await db.query('insert into pos.ingest_event (consumer_group, topic, partition, kind, detail) values ($1, $2, $3, $4, $5)', [
    event.group,
    event.topic,
    event.partition,
    event.kind,
    event.detail,
  ]);
}
