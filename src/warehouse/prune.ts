import { dateKey } from '../domain/date-key.ts';
import {
  ABORT_SIGNAL,
  checkOption,
  checkOptionalOption,
  FUNCTION,
  ISO_DATE,
  OPTIONS_OBJECT,
  objectWith,
  wholeNumber,
} from '../plumbing/options.ts';
import { factsFrom } from './aggregates.ts';
import type { SqlRunner, Warehouse } from './database.ts';
import { advanceFactsFrom } from './retention.ts';

/** Transactions (with their lines) removed per database transaction: each a short one, so that no lock is held long. */
export const DEFAULT_PRUNE_BATCH = 5000;

export interface PruneOptions {
  /** The first local date to keep, YYYY-MM-DD: the facts of the dates before it are removed. */
  before: string;
  /** Transactions, with their lines, per database transaction (default 5,000). */
  batchSize?: number;
  /** Called after each committed batch with the running totals, and awaited before the next one. */
  onProgress?: (progress: PruneProgress) => void | Promise<void>;
  /** Aborting stops after the batch in flight; the cut stays, and pruning again finishes the work. */
  signal?: AbortSignal;
}

export interface PruneProgress {
  /** Transactions removed so far. */
  transactions: number;
  /** Their lines. */
  lines: number;
  batches: number;
  /** Transactions there were to remove when the prune began. */
  total: number;
}

export interface PruneResult extends PruneProgress {
  /** The first date key the facts now hold (pos.retention.facts_from): the cut, or a later one of an earlier prune. */
  factsFrom: number;
  /** Whether the signal stopped it before every fact before `factsFrom` was removed. */
  stopped: boolean;
}

export interface PruneCount {
  /** The date key the prune would remove the facts before: the cut, or a later one already in force. */
  factsFrom: number;
  transactions: number;
  lines: number;
  /** The first and last local dates among them (date keys), or null when there are none. */
  firstDate: number | null;
  lastDate: number | null;
}

const PRUNE_RULES = {
  warehouse: objectWith<Warehouse>('a Warehouse (from openWarehouse())', ['query', 'transaction']),
  before: ISO_DATE,
  batchSize: wholeNumber(1, 1_000_000),
  onProgress: FUNCTION,
  signal: ABORT_SIGNAL,
};

/**
 * `pos db prune`: removes the facts (transactions, their lines and the lines' tax components) of the local dates before
 * `before`, keeping the aggregates, while the consumer goes on writing. First the cut is made
 * (retention.ts: from then on writers refuse what is dated before it, and those that read the old
 * date have committed), then the facts before it are deleted a batch at a time, each batch a
 * database transaction of its own, until none is left. Deleting before the date in force rather
 * than the cut finishes a prune that was stopped, whatever date it is run with again.
 */
export async function pruneFacts(warehouse: Warehouse, options: PruneOptions): Promise<PruneResult> {
  const where = 'pruneFacts()';
  checkOption(where, 'warehouse', warehouse, PRUNE_RULES.warehouse);
  checkOption(where, 'options', options, OPTIONS_OBJECT);
  checkOption(where, 'before', options.before, PRUNE_RULES.before);
  checkOptionalOption(where, 'batchSize', options.batchSize, PRUNE_RULES.batchSize);
  checkOptionalOption(where, 'onProgress', options.onProgress, PRUNE_RULES.onProgress);
  checkOptionalOption(where, 'signal', options.signal, PRUNE_RULES.signal);
  const batchSize = options.batchSize ?? DEFAULT_PRUNE_BATCH;

  const from = await advanceFactsFrom(warehouse, dateKey(options.before));
  const progress: PruneProgress = {
    transactions: 0,
    lines: 0,
    batches: 0,
    total: (await countBefore(warehouse, from)).transactions,
  };
  while (!options.signal?.aborted) {
    // One statement, so one short transaction: the same transactions' lines, components and rows go together.
    const [removed] = await warehouse.query<{ transactions: string; lines: string }>(
      `with doomed as materialized (select transaction_id from pos.fact_transaction where date_key < $1 limit $2),
            taxes as (delete from pos.fact_line_tax x using doomed d where x.transaction_id = d.transaction_id),
            lines as (delete from pos.fact_sales_line l using doomed d where l.transaction_id = d.transaction_id returning 1),
            transactions as (delete from pos.fact_transaction f using doomed d where f.transaction_id = d.transaction_id returning 1)
       select (select count(*) from transactions)::text as transactions, (select count(*) from lines)::text as lines`,
      [from, batchSize],
    );
    const transactions = Number(removed?.transactions ?? 0);
    if (transactions === 0) return { ...progress, factsFrom: from, stopped: false };
    progress.transactions += transactions;
    progress.lines += Number(removed?.lines ?? 0);
    progress.batches++;
    await options.onProgress?.({ ...progress });
  }
  return { ...progress, factsFrom: from, stopped: true };
}

/** What `pruneFacts` with this date would remove, changing nothing: for a confirmation. */
export async function countPrunable(db: SqlRunner, before: string): Promise<PruneCount> {
  checkOption('countPrunable()', 'before', before, ISO_DATE);
  return countBefore(db, Math.max(dateKey(before), await factsFrom(db)));
}

/** The facts dated before `from`; their lines from the transactions' line counts (the lines have no date index). */
async function countBefore(db: SqlRunner, from: number): Promise<PruneCount> {
  const [row] = await db.query<{ transactions: string; lines: string; first: number | null; last: number | null }>(
    `select count(*)::text as transactions, coalesce(sum(line_count), 0)::text as lines, min(date_key) as first, max(date_key) as last
       from pos.fact_transaction where date_key < $1`,
    [from],
  );
  return {
    factsFrom: from,
    transactions: Number(row?.transactions ?? 0),
    lines: Number(row?.lines ?? 0),
    firstDate: row?.first ?? null,
    lastDate: row?.last ?? null,
  };
}

/** A date key as YYYY-MM-DD: 20260209 → "2026-02-09". */
export function isoDateOf(key: number): string {
  const digits = String(key).padStart(8, '0');
  return `${digits.slice(0, 4)}-${digits.slice(4, 6)}-${digits.slice(6, 8)}`;
}
