import type { SqlRunner } from '../database.ts';

/** A dead letter as `pos dead-letters list` shows it: everything but its bytes. */
export interface DeadLetterSummary {
  id: string;
  created_at: Date;
  error_code: string;
  error_detail: string;
  topic: string | null;
  partition: number | null;
  offset: string | null;
  /** Kafka's id of the source topic; null without Kafka, or for letters stored before ids were kept. */
  topic_id: string | null;
  bytes: number;
  published_at: Date | null;
  publish_attempts: number;
  publish_error: string | null;
  replayed_at: Date | null;
  replay_outcome: string | null;
}

export interface DeadLetterFilter {
  code?: string | undefined;
  /** Created at or after this instant. */
  since?: Date | undefined;
  limit: number;
  /** The newest first (the live dashboard) rather than the oldest. */
  newestFirst?: boolean;
}

const SUMMARY_COLUMNS = `id::text as id, created_at, error_code, error_detail, topic, partition, "offset"::text as "offset",
       topic_id::text as topic_id,
       coalesce(octet_length(raw_value), 0)::int as bytes, published_at, publish_attempts, publish_error,
       replayed_at, replay_outcome`;

/**
 * The dead letters that match, oldest first unless asked otherwise, and how many match in all.
 * (Ordered by the column: `id` alone would name the text alias, and put 10 before 9.)
 */
export async function listDeadLetters(
  db: SqlRunner,
  filter: DeadLetterFilter,
): Promise<{ letters: DeadLetterSummary[]; total: number }> {
  const where = `($1::text is null or error_code = $1) and ($2::timestamptz is null or created_at >= $2)`;
  const params = [filter.code ?? null, filter.since?.toISOString() ?? null];
  const letters = await db.query<DeadLetterSummary & Record<string, unknown>>(
    `select ${SUMMARY_COLUMNS} from pos.dead_letter where ${where} order by pos.dead_letter.id ${filter.newestFirst ? 'desc' : ''} limit $3`,
    [...params, filter.limit],
  );
  const [count] = await db.query<{ total: string }>(`select count(*)::text as total from pos.dead_letter where ${where}`, params);
  return { letters, total: Number(count?.total ?? 0) };
}

/** One dead letter with its key and raw value. */
export interface DeadLetterDetail extends DeadLetterSummary {
  /** Buffer from a server, Uint8Array from the embedded database. */
  key: Uint8Array | null;
  raw_value: Uint8Array | null;
}

export async function deadLetterById(db: SqlRunner, id: string): Promise<DeadLetterDetail | undefined> {
  const [letter] = await db.query<DeadLetterDetail & Record<string, unknown>>(
    `select ${SUMMARY_COLUMNS}, key, raw_value from pos.dead_letter where id = $1::bigint`,
    [id],
  );
  return letter;
}
