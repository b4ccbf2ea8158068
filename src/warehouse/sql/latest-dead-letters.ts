import type { SqlRunner } from '../database.ts';

/** A dead letter as the live dashboard lists it. */
export interface LatestDeadLetter {
  id: string;
  created_at: Date;
  error_code: string;
  error_detail: string;
  topic: string | null;
  partition: number | null;
  offset: string | null;
}

/** The newest dead letters, newest first. */
export function latestDeadLetters(db: SqlRunner, limit: number): Promise<LatestDeadLetter[]> {
  return db.query<LatestDeadLetter & Record<string, unknown>>(
    `select id::text as id, created_at, error_code, error_detail, topic, partition, "offset"::text as "offset"
       from pos.dead_letter order by id desc limit $1`,
    [limit],
  );
}
