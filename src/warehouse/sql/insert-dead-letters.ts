import type { SqlRunner } from '../database.ts';
import type { DeadLetterRow } from '../rows.ts';
import { UNKNOWN_TOPIC_ID } from '../schema.ts';

/** Some of a batch's dead letters were neither stored nor found stored already: they would be lost. */
export class DeadLettersNotStored extends Error {
  constructor(letters: number, stored: number, alreadyStored: number, conflicts: string[]) {
    super(
      `stored ${stored} of ${letters} dead letters (${alreadyStored} of the others were stored already, byte for byte); ` +
        `the rest conflict with other letters at the same source position of the same topic id: ${
          conflicts.length > 0 ? conflicts.join(', ') : 'letters of this batch with the same position as each other'
        }`,
    );
    this.name = 'DeadLettersNotStored';
  }
}

/**
 * Stores messages that were not accepted: every one of them, or it throws (DeadLettersNotStored),
 * never silently fewer; run it in the transaction that must not commit without them. A letter is
 * one per source position of one topic (its topic id included: a recreated topic uses its offsets
 * again). A letter already stored byte for byte at its position is not stored twice and counts as
 * stored: a replayed letter that fails again. Returns how many rows were added.
 */
export async function insertDeadLetters(db: SqlRunner, letters: DeadLetterRow[]): Promise<number> {
  if (letters.length === 0) return 0;
  // The outer select reads the table as it was before the insert: `already_stored` counts the
  // letters that were there, byte for byte, so that stored + already_stored covers the batch.
  const [counts] = await db.query<{ stored: number; already_stored: number }>(
    `with incoming as (
       select topic_id, topic, partition, "offset", decode(key, 'hex') as key, decode(raw_value, 'hex') as raw_value,
              error_code, error_detail
         from unnest($1::uuid[], $2::text[], $3::int[], $4::bigint[], $5::text[], $6::text[], $7::text[], $8::text[])
              as incoming (topic_id, topic, partition, "offset", key, raw_value, error_code, error_detail)
     ),
     stored as (
       insert into pos.dead_letter (topic_id, topic, partition, "offset", key, raw_value, error_code, error_detail)
       select topic_id, topic, partition, "offset", key, raw_value, error_code, error_detail from incoming
       on conflict (topic, partition, "offset", coalesce(topic_id, '${UNKNOWN_TOPIC_ID}'::uuid)) do nothing
       returning 1
     )
     select (select count(*) from stored)::int as stored,
            (select count(*) from incoming i
              where exists (select 1 from pos.dead_letter d
                             where ${SAME_POSITION}
                               and d.key is not distinct from i.key and d.raw_value is not distinct from i.raw_value))::int
              as already_stored`,
    [...positionColumns(letters), letters.map((letter) => letter.errorCode), letters.map((letter) => letter.errorDetail)],
  );
  const stored = Number(counts?.stored ?? 0);
  const alreadyStored = Number(counts?.already_stored ?? 0);
  if (stored + alreadyStored !== letters.length) {
    throw new DeadLettersNotStored(letters.length, stored, alreadyStored, await conflicting(db, letters));
  }
  return stored;
}

/** Where letters of the batch meet stored letters with other bytes at their position (the first few), to name them. */
async function conflicting(db: SqlRunner, letters: DeadLetterRow[]): Promise<string[]> {
  const rows = await db.query<{ position: string }>(
    `select format('%s/%s@%s (topic id %s, stored as letter %s)', i.topic, i.partition, i."offset",
                   coalesce(i.topic_id::text, 'unknown'), d.id) as position
       from unnest($1::uuid[], $2::text[], $3::int[], $4::bigint[], $5::text[], $6::text[])
            as i (topic_id, topic, partition, "offset", key, raw_value)
       join pos.dead_letter d
         on ${SAME_POSITION}
      where d.key is distinct from decode(i.key, 'hex') or d.raw_value is distinct from decode(i.raw_value, 'hex')
      order by d.id
      limit 5`,
    positionColumns(letters),
  );
  return rows.map((row) => row.position);
}

/** A stored letter `d` at the position of an incoming one `i`: same topic, partition, offset and topic id (none counts as the all-zero id). */
const SAME_POSITION = `d.topic = i.topic and d.partition = i.partition and d."offset" = i."offset"
  and coalesce(d.topic_id, '${UNKNOWN_TOPIC_ID}'::uuid) = coalesce(i.topic_id, '${UNKNOWN_TOPIC_ID}'::uuid)`;

/** The letters' positions and bytes as parameter arrays: topic id, topic, partition, offset, key and value (hex). */
function positionColumns(letters: DeadLetterRow[]): (string | number | null)[][] {
  return [
    letters.map((letter) => letter.topicId),
    letters.map((letter) => letter.topic),
    letters.map((letter) => letter.partition),
    letters.map((letter) => (letter.offset === null ? null : String(letter.offset))),
    letters.map((letter) => hex(letter.key)),
    letters.map((letter) => hex(letter.rawValue)),
  ];
}

function hex(bytes: Buffer | null): string | null {
  return bytes === null ? null : bytes.toString('hex');
}
