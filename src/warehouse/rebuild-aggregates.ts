import { AGGREGATES, factsFrom, rebuildAggregate } from './aggregates.ts';
import type { Warehouse } from './database.ts';
import { rebuildStock } from './stock.ts';

export interface RebuildResult {
  /** The first date key rebuilt: the first the facts hold (older, pruned days keep their rows). */
  factsFrom: number;
  /** Rows written per aggregate table, in AGGREGATES' order, then stock on hand. */
  tables: { table: string; rows: number }[];
}

/**
 * `pos db rebuild-aggregates`: replaces every aggregate's rows, for the dates the facts still
 * hold, with what the facts give, in one database transaction. It first takes SHARE locks on the
 * fact tables: writers (`pos consume`) wait until it commits, and it waits for the batches in
 * flight, so the aggregates it writes are those of one set of facts, and every later batch adds to
 * them once. A `pos db prune` that is deleting waits too; one that has moved the cut already is seen.
 */
export async function rebuildAggregates(warehouse: Warehouse): Promise<RebuildResult> {
  return warehouse.transaction(async (tx) => {
    // The order in which the write path writes them, so that it and the rebuild never wait on each other in a circle.
    await tx.query(
      'lock table pos.fact_transaction, pos.fact_sales_line, pos.fact_line_tax, pos.fact_inventory_movement in share mode',
    );
    const from = await factsFrom(tx);
    const tables: RebuildResult['tables'] = [];
    for (const aggregate of AGGREGATES)
      tables.push({ table: aggregate.table, rows: await rebuildAggregate(tx, aggregate, from) });
    // Stock on hand is summed from agg_product_day, so it comes after it.
    tables.push({ table: 'pos.stock_on_hand', rows: await rebuildStock(tx) });
    return { factsFrom: from, tables };
  });
}
