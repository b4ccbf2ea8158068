import type { SqlRunner } from '../database.ts';

export interface PendingDeadLetter {
  id: string;
  topic: string;
  partition: number;
  offset: string;
  /** Buffer from a server, Uint8Array from the embedded database. */
  key: Uint8Array | null;
  raw_value: Uint8Array | null;
  error_code: string;
  error_detail: string;
}

/**
 * Dead letters from Kafka topics not yet copied to their DLQ topic, oldest first, locked for this
 * transaction; rows another consumer has locked are skipped rather than waited for.
 */
export function pendingDeadLetters(db: SqlRunner, limit: number): Promise<PendingDeadLetter[]> {
  return db.query<PendingDeadLetter & Record<string, unknown>>(
    `select d.id::text as id, d.topic, d.partition, d."offset"::text as "offset", d.key, d.raw_value, d.error_code, d.error_detail
       from pos.dead_letter d
      where d.published_at is null and d.topic is not null
      order by d.id
      limit $1
        for update skip locked`,
    [limit],
  );
}

export async function markDeadLettersPublished(db: SqlRunner, ids: string[]): Promise<void> {
  await db.query('update pos.dead_letter set published_at = now() where id = any($1::bigint[])', [ids]);
}
