import type { SqlRunner } from './database.ts';

/**
 * The aggregate tables (schema.ts), each defined once: its key, its measures, how a batch's
 * delta merges into a stored row, and the same figures computed from the facts. The write path
 * adds deltas (sql/add-aggregates.ts); `pos db verify` compares the stored rows with the facts'
 * and `pos db rebuild-aggregates` (and the migration that made them) fills them from the facts.
 * Only the dates the facts still hold are compared and rebuilt: `pos db prune` keeps the older
 * days' aggregates when it removes their facts (retention.ts).
 */
export interface Aggregate {
  table: string;
  /** The key columns, the date first, with their SQL types (for the delta's arrays). */
  keys: readonly Column[];
  measures: readonly Measure[];
  /** The key columns and measures computed from the facts: a select whose `$1` is the first date key to include. */
  fromFacts: string;
}

interface Column {
  name: string;
  type: string;
}

interface Measure extends Column {
  /** How the stored value `a.x` and the delta's `excluded.x` combine. */
  merge: 'add' | 'greatest';
}

const add = (name: string, type: string): Measure => ({ name, type, merge: 'add' });
const key = (name: string, type: string): Column => ({ name, type });

export const STORE_HOUR: Aggregate = {
  table: 'pos.agg_store_hour',
  keys: [key('date_key', 'int'), key('store_key', 'int'), key('local_hour', 'smallint')],
  measures: [
    add('sales', 'int'),
    add('returns', 'int'),
    add('lines', 'int'),
    add('net_sales', 'numeric'),
    add('discount', 'numeric'),
    add('tax', 'numeric'),
    add('total', 'numeric'),
    add('returns_total', 'numeric'),
    { name: 'last_occurred_at', type: 'timestamptz', merge: 'greatest' },
  ],
  fromFacts: `select date_key, store_key, local_hour,
                     count(*) filter (where type = 'sale')::int as sales,
                     count(*) filter (where type = 'return')::int as returns,
                     sum(line_count)::int as lines,
                     sum(subtotal) as net_sales, sum(discount_total) as discount, sum(tax_total) as tax, sum(total) as total,
                     coalesce(sum(total) filter (where type = 'return'), 0.00) as returns_total,
                     max(occurred_at) as last_occurred_at
                from pos.fact_transaction where date_key >= $1
               group by date_key, store_key, local_hour`,
};

export const PRODUCT_DAY: Aggregate = {
  table: 'pos.agg_product_day',
  keys: [key('date_key', 'int'), key('store_key', 'int'), key('product_key', 'int')],
  measures: [add('lines', 'int'), add('quantity', 'numeric'), add('net_sales', 'numeric')],
  // A line's store and date are its transaction's (the write path copies them; verify checks it).
  fromFacts: `select date_key, store_key, product_key, count(*)::int as lines, sum(quantity) as quantity, sum(line_total) as net_sales
                from pos.fact_sales_line where date_key >= $1
               group by date_key, store_key, product_key`,
};

export const TENDER_DAY: Aggregate = {
  table: 'pos.agg_tender_day',
  keys: [key('date_key', 'int'), key('store_key', 'int'), key('payment_method_key', 'int')],
  measures: [add('transactions', 'int'), add('total', 'numeric')],
  fromFacts: `select date_key, store_key, payment_method_key, count(*)::int as transactions, sum(total) as total
                from pos.fact_transaction where date_key >= $1
               group by date_key, store_key, payment_method_key`,
};

export const BASKET_DAY: Aggregate = {
  table: 'pos.agg_basket_day',
  keys: [key('date_key', 'int'), key('store_key', 'int'), key('line_count', 'smallint')],
  measures: [add('sales', 'int')],
  fromFacts: `select date_key, store_key, line_count, count(*)::int as sales
                from pos.fact_transaction where type = 'sale' and date_key >= $1
               group by date_key, store_key, line_count`,
};

export const TAX_DAY: Aggregate = {
  table: 'pos.agg_tax_day',
  keys: [key('date_key', 'int'), key('store_key', 'int'), key('tax_key', 'int')],
  measures: [add('lines', 'int'), add('taxable', 'numeric'), add('tax', 'numeric')],
  // A component's store and date are its line's (the write path copies them; verify checks it).
  fromFacts: `select date_key, store_key, tax_key, count(*)::int as lines, sum(taxable) as taxable, sum(tax) as tax
                from pos.fact_line_tax where date_key >= $1
               group by date_key, store_key, tax_key`,
};

export const AGGREGATES: readonly Aggregate[] = [STORE_HOUR, PRODUCT_DAY, TENDER_DAY, BASKET_DAY, TAX_DAY];

/** The first local date (a date key) whose facts the warehouse still holds; 0 when nothing was pruned. */
export async function factsFrom(db: SqlRunner): Promise<number> {
  const [row] = await db.query<{ facts_from: number }>('select facts_from from pos.retention');
  return row?.facts_from ?? 0;
}

/**
 * The rows of an aggregate that differ from the facts (missing, extra or with other figures), for
 * the dates the facts hold: one count.
 */
export async function aggregateDifferences(db: SqlRunner, aggregate: Aggregate, from: number): Promise<number> {
  const keys = aggregate.keys.map((column) => column.name);
  const differs = aggregate.measures.map(({ name }) => `stored.${name} is distinct from computed.${name}`).join(' or ');
  const [row] = await db.query<{ count: string }>(
    `select count(*) from (select * from ${aggregate.table} where date_key >= $1) stored
       full join (${aggregate.fromFacts}) computed using (${keys.join(', ')})
      where stored.date_key is null or computed.date_key is null or ${differs}`,
    [from],
  );
  return Number(row?.count ?? 0);
}

/** Replaces an aggregate's rows from `from` on with what the facts give. */
export async function rebuildAggregate(db: SqlRunner, aggregate: Aggregate, from: number): Promise<number> {
  await db.query(`delete from ${aggregate.table} where date_key >= $1`, [from]);
  const columns = [...aggregate.keys, ...aggregate.measures].map((column) => column.name).join(', ');
  const inserted = await db.query<{ count: string }>(
    `with inserted as (insert into ${aggregate.table} (${columns}) select ${columns} from (${aggregate.fromFacts}) computed returning 1)
     select count(*) from inserted`,
    [from],
  );
  return Number(inserted[0]?.count ?? 0);
}
