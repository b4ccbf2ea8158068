import { randomUUID } from 'node:crypto';
import type { SqlRunner } from '../database.ts';

/** A dead letter claimed for publishing to its DLQ topic. */
export interface ClaimedDeadLetter {
  id: string;
  /** The claim's token: only its holder, until the claim expires, marks the letter (markDeadLettersPublished …). */
  claim: string;
  topic: string;
  partition: number;
  offset: string;
  /** Buffer from a server, Uint8Array from the embedded database. */
  key: Uint8Array | null;
  raw_value: Uint8Array | null;
  error_code: string;
  error_detail: string;
  /** Failed publishing attempts so far. */
  publish_attempts: number;
}

export interface ClaimOptions {
  /** Only letters from these source topics; every topic when absent. */
  topics: string[] | undefined;
  limit: number;
  /** Bytes of keys and values claimed at once, at most (the first letter is claimed whatever its size). */
  maxBytes: number;
  /** How long the claim holds: other publishers skip the letters until then. */
  leaseSeconds: number;
}

/**
 * Claims unpublished dead letters, oldest first, in one short statement: rows another publisher
 * is claiming are skipped, not waited for, and the claim (`publish_claimed_until`) outlives the
 * statement, so no database transaction stays open while Kafka takes the letters. A letter whose
 * last try failed has a claim that runs until its next try is due.
 */
export async function claimDeadLetters(db: SqlRunner, options: ClaimOptions): Promise<ClaimedDeadLetter[]> {
  // A token of this claim's own: a publisher whose claim expired and was taken over holds an old one.
  const claim = randomUUID();
  const rows = await db.query<ClaimedDeadLetter & Record<string, unknown>>(
    `with candidate as (
       select id, coalesce(octet_length(raw_value), 0) + coalesce(octet_length(key), 0) as bytes
         from pos.dead_letter
        where published_at is null and topic is not null
          and ($1::text[] is null or topic = any($1::text[]))
          and (publish_claimed_until is null or publish_claimed_until < now())
        order by id
        limit $2
          for update skip locked
     ),
     within_bytes as (
       select id from (select id, sum(bytes) over (order by id) - bytes as bytes_before from candidate) sized
        where bytes_before < $3
     )
     update pos.dead_letter d
        set publish_claimed_until = now() + make_interval(secs => $4), publish_claim = $5::uuid
       from within_bytes w
      where d.id = w.id
     returning d.id::text as id, d.publish_claim::text as claim, d.topic, d.partition, d."offset"::text as "offset",
               d.key, d.raw_value, d.error_code, d.error_detail, d.publish_attempts`,
    [options.topics ?? null, options.limit, options.maxBytes, options.leaseSeconds, claim],
  );
  return rows.sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1));
}

/**
 * Where a claim stands, in SQL: this publisher's token, and not expired. A send slower than the
 * lease may find its letters claimed by another publisher (or not claimed, and due): they are not
 * this one's to mark, and another send will settle them.
 */
const HELD = 'd.publish_claim = $1::uuid and d.publish_claimed_until > now() and d.published_at is null';

/** Kafka took these letters: published, claim and last error cleared. Only letters the claim still holds; returns their ids. */
export async function markDeadLettersPublished(db: SqlRunner, claim: string, ids: string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const rows = await db.query<{ id: string }>(
    `update pos.dead_letter d
        set published_at = now(), publish_claimed_until = null, publish_claim = null, publish_error = null
      where d.id = any($2::bigint[]) and ${HELD}
     returning d.id::text as id`,
    [claim, ids],
  );
  return rows.map((row) => row.id);
}

export interface PublishFailure {
  id: string;
  error: string;
  retryInSeconds: number;
}

/**
 * Kafka refused these letters: one more attempt counted, the error kept, and the claim held until
 * the next try is due. Only letters the claim still holds; returns their ids.
 */
export async function markDeadLettersRefused(db: SqlRunner, claim: string, failures: PublishFailure[]): Promise<string[]> {
  if (failures.length === 0) return [];
  const rows = await db.query<{ id: string }>(
    `update pos.dead_letter d
        set publish_attempts = d.publish_attempts + 1,
            publish_error = f.error,
            publish_claimed_until = now() + make_interval(secs => f.retry_in_seconds)
       from unnest($2::bigint[], $3::text[], $4::float8[]) as f (id, error, retry_in_seconds)
      where d.id = f.id and ${HELD}
     returning d.id::text as id`,
    [
      claim,
      failures.map((failure) => failure.id),
      failures.map((failure) => failure.error),
      failures.map((failure) => failure.retryInSeconds),
    ],
  );
  return rows.map((row) => row.id);
}

/** Gives the claim's letters back without counting an attempt (Kafka could not be reached: not the letters' fault). */
export async function releaseDeadLetterClaims(db: SqlRunner, claim: string, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await db.query(
    `update pos.dead_letter d set publish_claimed_until = null, publish_claim = null
      where d.id = any($2::bigint[]) and d.publish_claim = $1::uuid and d.published_at is null`,
    [claim, ids],
  );
}
