import type { SqlRunner } from '../database.ts';

export interface PurgeCount {
  /** Dead letters created before the instant. */
  letters: number;
  /** Of which not yet published to their DLQ topic. */
  unpublished: number;
  oldest: Date | null;
  newest: Date | null;
}

/** What a purge would delete: the dead letters created before `before`. */
export async function countDeadLettersBefore(db: SqlRunner, before: Date): Promise<PurgeCount> {
  const [row] = await db.query<{ letters: string; unpublished: string; oldest: Date | null; newest: Date | null }>(
    `select count(*)::text as letters,
            count(*) filter (where published_at is null and topic is not null)::text as unpublished,
            min(created_at) as oldest, max(created_at) as newest
       from pos.dead_letter where created_at < $1::timestamptz`,
    [before.toISOString()],
  );
  return {
    letters: Number(row?.letters ?? 0),
    unpublished: Number(row?.unpublished ?? 0),
    oldest: row?.oldest ? new Date(row.oldest) : null,
    newest: row?.newest ? new Date(row.newest) : null,
  };
}

/** Deletes the dead letters created before `before`; returns how many. */
export async function purgeDeadLettersBefore(db: SqlRunner, before: Date): Promise<number> {
  const rows = await db.query('delete from pos.dead_letter where created_at < $1::timestamptz returning id', [
    before.toISOString(),
  ]);
  return rows.length;
}
