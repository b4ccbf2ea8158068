import type { SqlRunner, Warehouse } from './database.ts';

/**
 * Retention: `pos db prune --before DATE` removes the facts of the local dates before DATE and
 * keeps their aggregates. The first date the facts still hold is `pos.retention.facts_from`. A
 * writer refuses transactions dated before it (dead letter `pruned`): their day's facts are gone,
 * so a replay could not be told from a new transaction and would be counted twice.
 *
 * A writer reads the date under a shared advisory lock held to its commit, and the pruner moves
 * the date under the exclusive lock before it deletes anything: every writer that read the old
 * date has committed by then, so its rows are there for the pruner to find, and every later one
 * reads the new date.
 */
export const RETENTION_LOCK = 7_020_416;

/** For a writer, in its database transaction: the first date key it may write (0: nothing pruned), under the shared lock. */
export async function writableFrom(tx: SqlRunner): Promise<number> {
  const [row] = await tx.query<{ facts_from: number | null }>(
    `select pg_advisory_xact_lock_shared($1)::text as locked, (select facts_from from pos.retention) as facts_from`,
    [RETENTION_LOCK],
  );
  return row?.facts_from ?? 0;
}

/**
 * For the pruner: moves the first date the facts hold to `cut` (never back, so an earlier cut
 * than a past prune's changes nothing), under the exclusive lock, in a short transaction of its
 * own; returns the date now in force. Once this has committed, no writer adds facts before it.
 */
export async function advanceFactsFrom(warehouse: Warehouse, cut: number): Promise<number> {
  return warehouse.transaction(async (tx) => {
    await tx.query('select pg_advisory_xact_lock($1)', [RETENTION_LOCK]);
    // An upsert rather than an update: a missing row (removed by hand) must not make the cut a no-op.
    const [row] = await tx.query<{ facts_from: number }>(
      `insert into pos.retention (facts_from) values ($1)
       on conflict ("only") do update set facts_from = greatest(pos.retention.facts_from, excluded.facts_from), pruned_at = now()
       returning facts_from`,
      [cut],
    );
    if (!row) throw new Error(`Moving pos.retention.facts_from to ${cut} returned no row`);
    return row.facts_from;
  });
}
