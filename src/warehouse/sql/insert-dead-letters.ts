import type { SqlRunner } from '../database.ts';
import type { DeadLetterRow } from '../rows.ts';

/** Stores messages that were not accepted; one already stored from the same topic position is not stored twice. */
export async function insertDeadLetters(db: SqlRunner, letters: DeadLetterRow[]): Promise<number> {
  if (letters.length === 0) return 0;
  const hex = (bytes: Buffer | null) => (bytes === null ? null : bytes.toString('hex'));
  const rows = await db.query(
    `insert into pos.dead_letter (topic, partition, "offset", key, raw_value, error_code, error_detail)
     select topic, partition, "offset", decode(key, 'hex'), decode(raw_value, 'hex'), error_code, error_detail
       from unnest($1::text[], $2::int[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[])
            as incoming (topic, partition, "offset", key, raw_value, error_code, error_detail)
     on conflict (topic, partition, "offset") do nothing
     returning id`,
    [
      letters.map((letter) => letter.topic),
      letters.map((letter) => letter.partition),
      letters.map((letter) => (letter.offset === null ? null : String(letter.offset))),
      letters.map((letter) => hex(letter.key)),
      letters.map((letter) => hex(letter.rawValue)),
      letters.map((letter) => letter.errorCode),
      letters.map((letter) => letter.errorDetail),
    ],
  );
  return rows.length;
}
