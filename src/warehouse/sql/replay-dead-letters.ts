import type { SqlRunner } from '../database.ts';

/** Replays that settled a letter: replaying it again would change nothing. */
export const SETTLED_REPLAY_OUTCOMES = ['landed', 'duplicate'];

export interface DeadLetterToReplay {
  id: string;
  topic: string | null;
  partition: number | null;
  offset: string | null;
  topic_id: string | null;
  /** Buffer from a server, Uint8Array from the embedded database. */
  key: Uint8Array | null;
  raw_value: Uint8Array | null;
}

export interface ReplaySelection {
  code?: string | undefined;
  ids?: string[] | undefined;
  /** Letters after this id (paging). */
  afterId: string;
  limit: number;
}

/** The next page of letters to replay, in id order: those of the code or ids asked for that no replay has settled. */
export function deadLettersToReplay(db: SqlRunner, selection: ReplaySelection): Promise<DeadLetterToReplay[]> {
  return db.query<DeadLetterToReplay & Record<string, unknown>>(
    `select id::text as id, topic, partition, "offset"::text as "offset", topic_id::text as topic_id, key, raw_value
       from pos.dead_letter
      where id > $1::bigint
        and ($2::text is null or error_code = $2)
        and ($3::bigint[] is null or id = any($3::bigint[]))
        and (replay_outcome is null or replay_outcome <> all($4::text[]))
      -- The column, not the text alias of the same name: by the text, 1000 came before 2 and paging skipped letters.
      order by pos.dead_letter.id
      limit $5`,
    [selection.afterId, selection.code ?? null, selection.ids ?? null, SETTLED_REPLAY_OUTCOMES, selection.limit],
  );
}

/** Of these ids, those that exist, with the outcome of their last replay (null: never replayed). */
export async function replayStates(db: SqlRunner, ids: string[]): Promise<Map<string, string | null>> {
  const rows = await db.query<{ id: string; replay_outcome: string | null }>(
    'select id::text as id, replay_outcome from pos.dead_letter where id = any($1::bigint[])',
    [ids],
  );
  return new Map(rows.map((row) => [row.id, row.replay_outcome]));
}

/** Records when each letter was replayed and what came of it. */
export async function recordReplayOutcomes(db: SqlRunner, outcomes: { id: string; outcome: string }[]): Promise<void> {
  if (outcomes.length === 0) return;
  await db.query(
    `update pos.dead_letter d set replayed_at = now(), replay_outcome = o.outcome
       from unnest($1::bigint[], $2::text[]) as o (id, outcome)
      where d.id = o.id`,
    [outcomes.map((entry) => entry.id), outcomes.map((entry) => entry.outcome)],
  );
}
