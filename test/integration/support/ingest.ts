import { DEFAULT_SIZES } from '../../../src/catalog/catalog.ts';
import type { AnyTransactionMessage, TransactionMessage } from '../../../src/contract/message.ts';
import { parseFixed } from '../../../src/domain/money.ts';
import { simulate } from '../../../src/simulator/run.ts';
import { KafkaSink } from '../../../src/simulator/sinks.ts';
import { AGGREGATES, aggregateDifferences } from '../../../src/warehouse/aggregates.ts';
import type { Warehouse } from '../../../src/warehouse/database.ts';
import { testBrokers, testKafka } from './environment.ts';
import { consumeAll } from './topics.ts';

/** A seeded backlog on a fresh topic; returns the messages as a reader of the topic sees them. */
export async function produceBacklog(topic: string, count: number, seed: number, partitions = 6): Promise<TransactionMessage[]> {
  const sink = await KafkaSink.open({ kafka: testKafka(), external: true, topic, createPartitions: partitions });
  await simulate({
    seed,
    sizes: DEFAULT_SIZES,
    mode: { kind: 'backfill', count, startDate: '2026-02-02', days: 14 },
    sink,
    threads: 0,
  });
  const messages = await consumeAll(testBrokers(), topic, count);
  return messages.map((message) => JSON.parse(message.value.toString()) as TransactionMessage);
}

export interface Figures {
  transactions: number;
  lines: number;
  /** Money in cents. */
  total: number;
  tax: number;
  byStore: Record<string, number>;
  /** Per aggregate table, its rows that differ from the facts: none, whatever happened on the way. */
  aggregatesDifferingFromFacts: Record<string, number>;
}

const cents = (text: string) => parseFixed(text, 2) as number;

/** The figures a correct warehouse must show, computed from the messages alone. */
export function expectedFigures(messages: readonly AnyTransactionMessage[]): Figures {
  const byStore: Record<string, number> = {};
  for (const message of messages) byStore[message.store.store_id] = (byStore[message.store.store_id] ?? 0) + cents(message.total);
  return {
    transactions: messages.length,
    lines: messages.reduce((sum, message) => sum + message.items.length, 0),
    total: messages.reduce((sum, message) => sum + cents(message.total), 0),
    tax: messages.reduce((sum, message) => sum + cents(message.tax_total), 0),
    byStore,
    aggregatesDifferingFromFacts: Object.fromEntries(AGGREGATES.map((aggregate) => [aggregate.table, 0])),
  };
}

/** The same figures, as the warehouse has them. */
export async function warehouseFigures(warehouse: Warehouse): Promise<Figures> {
  const [facts] = await warehouse.query<{ transactions: string; lines: string; total: string | null; tax: string | null }>(
    `select (select count(*) from pos.fact_transaction)::text as transactions,
            (select count(*) from pos.fact_sales_line)::text as lines,
            (select sum(total) from pos.fact_transaction)::text as total,
            (select sum(tax_total) from pos.fact_transaction)::text as tax`,
  );
  const stores = await warehouse.query<{ store_id: string; total: string }>(
    'select s.store_id, sum(f.total)::text as total from pos.fact_transaction f join pos.dim_store s using (store_key) group by s.store_id',
  );
  return {
    transactions: Number(facts?.transactions),
    lines: Number(facts?.lines),
    total: cents(facts?.total ?? '0.00'),
    tax: cents(facts?.tax ?? '0.00'),
    byStore: Object.fromEntries(stores.map((row) => [row.store_id, cents(row.total)])),
    aggregatesDifferingFromFacts: Object.fromEntries(
      await Promise.all(
        AGGREGATES.map(async (aggregate) => [aggregate.table, await aggregateDifferences(warehouse, aggregate, 0)] as const),
      ),
    ),
  };
}

export async function landedCount(warehouse: Warehouse): Promise<number> {
  const [row] = await warehouse.query<{ count: string }>('select count(*)::text as count from pos.fact_transaction');
  return Number(row?.count);
}

/** The sum of the group's stored next offsets: the messages it has ingested, when its partitions started at 0. */
/**
 * The transactions landed and the group's stored offsets, read in one statement (one snapshot):
 * with other writers at work, two queries would see different commits.
 */
export async function landedAndOffsets(warehouse: Warehouse, group: string): Promise<{ landed: number; offsets: number }> {
  const [row] = await warehouse.query<{ landed: string; offsets: string }>(
    `select (select count(*) from pos.fact_transaction)::text as landed,
            (select coalesce(sum(next_offset), 0) from pos.ingest_offset where consumer_group = $1)::text as offsets`,
    [group],
  );
  return { landed: Number(row?.landed), offsets: Number(row?.offsets) };
}

export async function offsetsTotal(warehouse: Warehouse, group: string): Promise<number> {
  const [row] = await warehouse.query<{ total: string }>(
    'select coalesce(sum(next_offset), 0)::text as total from pos.ingest_offset where consumer_group = $1',
    [group],
  );
  return Number(row?.total);
}
