import type { SqlRunner } from '../database.ts';

/** A dead letter claimed for publishing to its DLQ topic. */
export interface ClaimedDeadLetter {
  id: string;
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
        set publish_claimed_until = now() + make_interval(secs => $4)
       from within_bytes w
      where d.id = w.id
     returning d.id::text as id, d.topic, d.partition, d."offset"::text as "offset", d.key, d.raw_value,
               d.error_code, d.error_detail, d.publish_attempts`,
    [options.topics ?? null, options.limit, options.maxBytes, options.leaseSeconds],
  );
  return rows.sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1));
}

/** Kafka took these letters: published, claim and last error cleared. */
export async function markDeadLettersPublished(db: SqlRunner, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await db.query(
    `update pos.dead_letter
        set published_at = now(), publish_claimed_until = null, publish_error = null
      where id = any($1::bigint[])`,
    [ids],
  );
}

export interface PublishFailure {
  id: string;
  error: string;
  retryInSeconds: number;
}

/** Kafka refused these letters: one more attempt counted, the error kept, and the claim held until the next try is due. */
export async function markDeadLettersRefused(db: SqlRunner, failures: PublishFailure[]): Promise<void> {
  if (failures.length === 0) return;
  await db.query(
    `update pos.dead_letter d
        set publish_attempts = d.publish_attempts + 1,
            publish_error = f.error,
            publish_claimed_until = now() + make_interval(secs => f.retry_in_seconds)
       from unnest($1::bigint[], $2::text[], $3::float8[]) as f (id, error, retry_in_seconds)
      where d.id = f.id`,
    [failures.map((failure) => failure.id), failures.map((failure) => failure.error), failures.map((f) => f.retryInSeconds)],
  );
}

/** Gives the claims back without counting an attempt (Kafka could not be reached: not the letters' fault). */
export async function releaseDeadLetterClaims(db: SqlRunner, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await db.query(
    'update pos.dead_letter set publish_claimed_until = null where id = any($1::bigint[]) and published_at is null',
    [ids],
  );
}
