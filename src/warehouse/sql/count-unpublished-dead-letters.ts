import type { SqlRunner } from '../database.ts';

/** Dead letters of these source topics (every topic when absent) not yet copied to their DLQ topic: the outbox's backlog. */
export async function countUnpublishedDeadLetters(db: SqlRunner, topics: string[] | undefined): Promise<number> {
  const [row] = await db.query<{ count: string }>(
    `select count(*)::text as count from pos.dead_letter
      where published_at is null and topic is not null and ($1::text[] is null or topic = any($1::text[]))`,
    [topics ?? null],
  );
  return Number(row?.count ?? 0);
}
