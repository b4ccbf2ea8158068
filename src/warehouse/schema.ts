import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  boolean,
  char,
  check,
  customType,
  date,
  index,
  integer,
  numeric,
  pgSchema,
  primaryKey,
  smallint,
  text,
  timestamp,
  unique,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

/**
 * The warehouse: Kimball's retail-sales star. The grain of the facts is one line of a POS
 * transaction; the transaction number is a degenerate dimension. Dimensions have surrogate keys
 * and keep the latest attributes (type 1); `attributes_as_of` is the time of the event that
 * set them, so that an older event never overwrites a newer one. A newer event with the same
 * attributes changes nothing, and writes nothing: most events of a batch repeat what is stored.
 *
 * The facts' keys are informational, not enforced foreign keys (Kimball's practice): their
 * triggers cost two thirds of what PostgreSQL spent on the facts. Integrity holds by construction
 * (keys are resolved by joins in the statement that inserts the facts, and dimension rows are
 * never deleted) and `pos db verify` checks it (src/warehouse/verify.ts).
 *
 * Every table lives in the PostgreSQL schema `pos`. After a change here, `npm run db:generate`
 * writes the migration.
 */
export const pos = pgSchema('pos');

const bytea = customType<{ data: Buffer; driverData: Buffer }>({ dataType: () => 'bytea' });
const money = (name: string) => numeric(name, { precision: 18, scale: 2 }).notNull();
const asOf = () => timestamp('attributes_as_of', { withTimezone: true }).notNull();

export const dimDate = pos.table('dim_date', {
  dateKey: integer('date_key').primaryKey(),
  fullDate: date('full_date').notNull().unique(),
  year: smallint('year').notNull(),
  quarter: smallint('quarter').notNull(),
  month: smallint('month').notNull(),
  monthName: text('month_name').notNull(),
  dayOfMonth: smallint('day_of_month').notNull(),
  isoDayOfWeek: smallint('iso_day_of_week').notNull(),
  dayName: text('day_name').notNull(),
  isoWeek: smallint('iso_week').notNull(),
  isoYear: smallint('iso_year').notNull(),
  isWeekend: boolean('is_weekend').notNull(),
});

export const dimStore = pos.table('dim_store', {
  storeKey: integer('store_key').primaryKey().generatedAlwaysAsIdentity(),
  storeId: text('store_id').notNull().unique(),
  name: text('name').notNull(),
  city: text('city').notNull(),
  region: text('region').notNull(),
  country: char('country', { length: 2 }).notNull(),
  timezone: text('timezone').notNull(),
  /** What the store trades in (its transactions' currency); null only for a store whose facts were all pruned before it was kept. */
  currency: char('currency', { length: 3 }),
  attributesAsOf: asOf(),
});

export const dimProduct = pos.table('dim_product', {
  productKey: integer('product_key').primaryKey().generatedAlwaysAsIdentity(),
  sku: text('sku').notNull().unique(),
  name: text('name').notNull(),
  category: text('category').notNull(),
  brand: text('brand').notNull(),
  unit: text('unit').notNull(),
  attributesAsOf: asOf(),
});

export const dimCustomer = pos.table('dim_customer', {
  customerKey: integer('customer_key').primaryKey().generatedAlwaysAsIdentity(),
  customerId: text('customer_id').notNull().unique(),
  name: text('name').notNull(),
  email: text('email').notNull(),
  loyaltyTier: text('loyalty_tier').notNull(),
  attributesAsOf: asOf(),
});

export const dimPaymentMethod = pos.table(
  'dim_payment_method',
  {
    paymentMethodKey: integer('payment_method_key').primaryKey().generatedAlwaysAsIdentity(),
    method: text('method').notNull(),
    cardBrand: text('card_brand'),
  },
  (table) => [unique('dim_payment_method_method_card_brand_key').on(table.method, table.cardBrand).nullsNotDistinct()],
);

export const factTransaction = pos.table(
  'fact_transaction',
  {
    transactionId: uuid('transaction_id').primaryKey(),
    type: text('type').notNull(),
    originalTransactionId: uuid('original_transaction_id'),
    occurredAt: timestamp('occurred_at', { withTimezone: true, precision: 3 }).notNull(),
    dateKey: integer('date_key').notNull(),
    localHour: smallint('local_hour').notNull(),
    storeKey: integer('store_key').notNull(),
    registerId: text('register_id').notNull(),
    cashierId: text('cashier_id').notNull(),
    customerKey: integer('customer_key'),
    paymentMethodKey: integer('payment_method_key').notNull(),
    currency: char('currency', { length: 3 }).notNull(),
    subtotal: money('subtotal'),
    discountTotal: money('discount_total'),
    taxTotal: money('tax_total'),
    total: money('total'),
    lineCount: smallint('line_count').notNull(),
    sourceTopic: text('source_topic'),
    sourcePartition: integer('source_partition'),
    sourceOffset: bigint('source_offset', { mode: 'bigint' }),
    ingestedAt: timestamp('ingested_at', { withTimezone: true }).notNull().defaultNow(),
    /** SHA-256 of the message in canonical form: tells a replay (same hash) from a conflict. */
    payloadHash: bytea('payload_hash').notNull(),
  },
  (table) => [
    check('fact_transaction_type_check', sql`${table.type} in ('sale', 'return')`),
    // `pos db prune` finds the old days by it.
    index('fact_transaction_date_key_idx').on(table.dateKey),
    // A sale's returns (a few in a hundred transactions: the sales' nulls are not indexed).
    index('fact_transaction_original_transaction_id_idx')
      .on(table.originalTransactionId)
      .where(sql`${table.originalTransactionId} is not null`),
  ],
);

/**
 * A tax at one rate: which tax (`code`: GST, HST, PST, QST, RST, US-STATE, TAX…), of which
 * jurisdiction (ISO 3166: "CA", "CA-QC", "US-FL"), at which rate (a fraction of up to 6 places).
 * A rate that changes is another member. `valid_from` and `valid_to` are the first and last local
 * dates a fact used it: widened by each write that sees it outside them, never narrowed.
 */
export const dimTax = pos.table(
  'dim_tax',
  {
    taxKey: integer('tax_key').primaryKey().generatedAlwaysAsIdentity(),
    jurisdiction: text('jurisdiction').notNull(),
    code: text('code').notNull(),
    rate: numeric('rate', { precision: 7, scale: 6 }).notNull(),
    validFrom: date('valid_from').notNull(),
    validTo: date('valid_to').notNull(),
  },
  (table) => [unique('dim_tax_jurisdiction_code_rate_key').on(table.jurisdiction, table.code, table.rate)],
);

/**
 * One row per line: the grain of the star. Its store and date keys are its transaction's (the
 * write path takes them from the transaction row it inserts in the same statement).
 */
export const factSalesLine = pos.table(
  'fact_sales_line',
  {
    transactionId: uuid('transaction_id').notNull(),
    lineNo: smallint('line_no').notNull(),
    productKey: integer('product_key').notNull(),
    storeKey: integer('store_key').notNull(),
    dateKey: integer('date_key').notNull(),
    customerKey: integer('customer_key'),
    quantity: numeric('quantity', { precision: 12, scale: 3 }).notNull(),
    unitPrice: money('unit_price'),
    discount: money('discount'),
    /**
     * v1: the line's one rate (4 places); v2: the sum of its components' rates (up to 6). Unbounded
     * numeric, so that widening it from numeric(5,4) rewrote nothing; the check (migration 0006,
     * NOT VALID: the rows before it were numeric(5,4)) bounds it instead.
     */
    taxRate: numeric('tax_rate').notNull(),
    tax: money('tax'),
    lineTotal: money('line_total'),
  },
  (table) => [
    primaryKey({ columns: [table.transactionId, table.lineNo] }),
    check('fact_sales_line_tax_rate_check', sql`scale(${table.taxRate}) <= 6 and abs(${table.taxRate}) < 10`),
  ],
);

/**
 * One row per tax component of a line (a v1 line with a rate: one; a v2 line: its `taxes`; an
 * untaxed line: none): the tax (`tax_key`), the amount it was computed on (`taxable`: the line's
 * `line_total`) and the amount. Its store and date are its line's. Written with the line, in the
 * same database transaction; its keys are informational, like the other facts'.
 */
export const factLineTax = pos.table(
  'fact_line_tax',
  {
    transactionId: uuid('transaction_id').notNull(),
    lineNo: smallint('line_no').notNull(),
    taxKey: integer('tax_key').notNull(),
    dateKey: integer('date_key').notNull(),
    storeKey: integer('store_key').notNull(),
    taxable: money('taxable'),
    tax: money('tax'),
  },
  (table) => [primaryKey({ columns: [table.transactionId, table.lineNo, table.taxKey] })],
);

/*
 * The aggregates (Kimball's aggregate fact tables): what the reports and the live page read, so
 * that they answer as fast at a hundred million lines as at a thousand. The write path adds each
 * batch's own rows to them in the database transaction that copies the facts and advances the
 * offsets (src/warehouse/aggregates.ts), so they are exactly once by construction and never lag.
 * Sums of money are `numeric` without bounds: no sum of valid amounts overflows them. Their keys
 * lead with the date: reports over a period read a range, and `pos db prune` keeps them.
 */
const total = (name: string) => numeric(name).notNull();
const count = (name: string) => integer(name).notNull();

/** Per store, local date and local hour: the transactions' figures. */
export const aggStoreHour = pos.table(
  'agg_store_hour',
  {
    dateKey: integer('date_key').notNull(),
    storeKey: integer('store_key').notNull(),
    localHour: smallint('local_hour').notNull(),
    sales: count('sales'),
    returns: count('returns'),
    lines: count('lines'),
    /** Σ subtotal: net of discounts, before tax. */
    netSales: total('net_sales'),
    discount: total('discount'),
    tax: total('tax'),
    total: total('total'),
    /** Σ total of the returns alone (≤ 0): what was refunded, negated. */
    returnsTotal: total('returns_total'),
    lastOccurredAt: timestamp('last_occurred_at', { withTimezone: true, precision: 3 }).notNull(),
  },
  (table) => [primaryKey({ columns: [table.dateKey, table.storeKey, table.localHour] })],
);

/** Per store, local date and product: the lines' figures. */
export const aggProductDay = pos.table(
  'agg_product_day',
  {
    dateKey: integer('date_key').notNull(),
    storeKey: integer('store_key').notNull(),
    productKey: integer('product_key').notNull(),
    lines: count('lines'),
    quantity: total('quantity'),
    /** Σ line_total: net of discounts, before tax. */
    netSales: total('net_sales'),
  },
  (table) => [primaryKey({ columns: [table.dateKey, table.storeKey, table.productKey] })],
);

/** Per store, local date and tender. */
export const aggTenderDay = pos.table(
  'agg_tender_day',
  {
    dateKey: integer('date_key').notNull(),
    storeKey: integer('store_key').notNull(),
    paymentMethodKey: integer('payment_method_key').notNull(),
    transactions: count('transactions'),
    total: total('total'),
  },
  (table) => [primaryKey({ columns: [table.dateKey, table.storeKey, table.paymentMethodKey] })],
);

/** Per store, local date and number of lines: the sales (not the returns) of each basket size. */
export const aggBasketDay = pos.table(
  'agg_basket_day',
  {
    dateKey: integer('date_key').notNull(),
    storeKey: integer('store_key').notNull(),
    lineCount: smallint('line_count').notNull(),
    sales: count('sales'),
  },
  (table) => [primaryKey({ columns: [table.dateKey, table.storeKey, table.lineCount] })],
);

/** Per store, local date and tax (a code and jurisdiction at one rate): the components' figures. */
export const aggTaxDay = pos.table(
  'agg_tax_day',
  {
    dateKey: integer('date_key').notNull(),
    storeKey: integer('store_key').notNull(),
    taxKey: integer('tax_key').notNull(),
    /** Lines taxed by it. */
    lines: count('lines'),
    /** Σ taxable: the lines' line_total. */
    taxable: total('taxable'),
    tax: total('tax'),
  },
  (table) => [primaryKey({ columns: [table.dateKey, table.storeKey, table.taxKey] })],
);

/**
 * Inventory messages (contract pos.inventory.v1: deliveries and counts) that landed, one row each:
 * what makes a redelivered or replayed message a duplicate (its `event_id`, with the payload hash
 * to tell a replay from a conflict), and where it came from. The stock it moved is in
 * fact_inventory_movement. Stores and products are named by their natural keys: a delivery may
 * arrive before the store's first sale made its dimension member.
 */
export const inventoryEvent = pos.table(
  'inventory_event',
  {
    eventId: uuid('event_id').primaryKey(),
    type: text('type').notNull(),
    reason: text('reason').notNull(),
    storeId: text('store_id').notNull(),
    occurredAt: timestamp('occurred_at', { withTimezone: true, precision: 3 }).notNull(),
    dateKey: integer('date_key').notNull(),
    reference: text('reference'),
    lines: integer('lines').notNull(),
    payloadHash: bytea('payload_hash').notNull(),
    sourceTopic: text('source_topic'),
    sourcePartition: integer('source_partition'),
    sourceOffset: bigint('source_offset', { mode: 'bigint' }),
    ingestedAt: timestamp('ingested_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [check('inventory_event_type_check', sql`${table.type} in ('receipt', 'adjustment')`)],
);

/**
 * The stock movements that inventory messages make: one row per line, signed as the stock moves
 * (a receipt and a found item positive, shrink and write-offs negative), in units. The sales'
 * movements are not stored again: the view pos.stock_movement derives them from the sales lines.
 */
export const factInventoryMovement = pos.table(
  'fact_inventory_movement',
  {
    eventId: uuid('event_id').notNull(),
    lineNo: smallint('line_no').notNull(),
    storeId: text('store_id').notNull(),
    sku: text('sku').notNull(),
    dateKey: integer('date_key').notNull(),
    occurredAt: timestamp('occurred_at', { withTimezone: true, precision: 3 }).notNull(),
    kind: text('kind').notNull(),
    reason: text('reason').notNull(),
    quantity: numeric('quantity', { precision: 12, scale: 3 }).notNull(),
  },
  (table) => [
    primaryKey({ columns: [table.eventId, table.lineNo] }),
    index('fact_inventory_movement_store_sku_idx').on(table.storeId, table.sku, table.occurredAt),
  ],
);

/**
 * Stock on hand per store and product: Σ of every movement, kept up to date in the database
 * transaction of each batch that moves it (sales and returns in the sales write path, receipts
 * and adjustments in the inventory one), never recomputed by scanning. `pos db verify` checks it.
 */
export const stockOnHand = pos.table(
  'stock_on_hand',
  {
    storeId: text('store_id').notNull(),
    sku: text('sku').notNull(),
    quantity: numeric('quantity', { precision: 14, scale: 3 }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [primaryKey({ columns: [table.storeId, table.sku] })],
);

/**
 * How far back the facts go: `pos db prune --before` removed the facts of every local date before
 * `facts_from` (a date key), and kept their aggregates. One row once anything was pruned, none
 * before (a fresh warehouse holds no rows at all, which is what a restore checks). A transaction dated before it is
 * refused (dead letter `pruned`): with its day's facts gone, a replay could not be told from a
 * new transaction, and would be counted twice.
 */
export const retention = pos.table(
  'retention',
  {
    only: boolean('only').primaryKey().default(true),
    factsFrom: integer('facts_from').notNull(),
    prunedAt: timestamp('pruned_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [check('retention_only_check', sql`${table.only}`)],
);

/** Where each consumer group is in each partition: written in the same transaction as the rows. */
export const ingestOffset = pos.table(
  'ingest_offset',
  {
    consumerGroup: text('consumer_group').notNull(),
    topic: text('topic').notNull(),
    partition: integer('partition').notNull(),
    nextOffset: bigint('next_offset', { mode: 'bigint' }).notNull(),
    /** Kafka's id of the topic these offsets belong to: a topic deleted and recreated under the same name has another. */
    topicId: uuid('topic_id'),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [primaryKey({ columns: [table.consumerGroup, table.topic, table.partition] })],
);

/** Offsets a group never ingested because the log no longer had them (retention, DeleteRecords) when it got there. */
export const ingestGap = pos.table(
  'ingest_gap',
  {
    id: bigserial('id', { mode: 'bigint' }).primaryKey(),
    consumerGroup: text('consumer_group').notNull(),
    topic: text('topic').notNull(),
    partition: integer('partition').notNull(),
    firstMissing: bigint('first_missing', { mode: 'bigint' }).notNull(),
    lastMissing: bigint('last_missing', { mode: 'bigint' }).notNull(),
    missingCount: bigint('missing_count', { mode: 'bigint' }).notNull(),
    detectedAt: timestamp('detected_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [index('ingest_gap_group_topic_idx').on(table.consumerGroup, table.topic)],
);

/** What happened to a group's read positions besides reading: a topic recreated, a log truncated below a stored offset. */
export const ingestEvent = pos.table(
  'ingest_event',
  {
    id: bigserial('id', { mode: 'bigint' }).primaryKey(),
    consumerGroup: text('consumer_group').notNull(),
    topic: text('topic').notNull(),
    partition: integer('partition'),
    kind: text('kind').notNull(),
    detail: text('detail').notNull(),
    occurredAt: timestamp('occurred_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [check('ingest_event_kind_check', sql`${table.kind} in ('topic_recreated', 'offset_beyond_end')`)],
);

/**
 * Kafka's "no topic id" (its `Uuid.ZERO_UUID`, never a topic's): what a dead letter's unknown
 * topic id counts as in its uniqueness, so that letters stored before ids were kept are still
 * one per position.
 */
export const UNKNOWN_TOPIC_ID = '00000000-0000-0000-0000-000000000000';

/**
 * Messages that could not be accepted, with their raw bytes and why. The table is the outbox of the
 * DLQ topic: `published_at` once Kafka has the copy; `publish_claimed_until` and `publish_claim`
 * while a member sends it (the claim's token: only its holder marks the letter); `publish_error`
 * and `publish_attempts` when Kafka refused it. `replayed_at` and `replay_outcome` when
 * `pos dead-letters replay` tried it again.
 *
 * A letter is one per source position of one topic: (`topic`, `partition`, `offset`) and the
 * topic's Kafka id, since a topic deleted and recreated under the same name uses its offsets
 * again. Letters stored before the id was kept have none (null, unique as UNKNOWN_TOPIC_ID);
 * letters written without Kafka (`writeTransactions`) have no position, and are never duplicates.
 */
export const deadLetter = pos.table(
  'dead_letter',
  {
    id: bigserial('id', { mode: 'bigint' }).primaryKey(),
    topic: text('topic'),
    partition: integer('partition'),
    offset: bigint('offset', { mode: 'bigint' }),
    /** Kafka's id of the source topic; null when unknown (stored before ids were kept) or without Kafka. */
    topicId: uuid('topic_id'),
    key: bytea('key'),
    rawValue: bytea('raw_value'),
    errorCode: text('error_code').notNull(),
    errorDetail: text('error_detail').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    publishedAt: timestamp('published_at', { withTimezone: true }),
    publishClaimedUntil: timestamp('publish_claimed_until', { withTimezone: true }),
    publishClaim: uuid('publish_claim'),
    publishAttempts: integer('publish_attempts').notNull().default(0),
    publishError: text('publish_error'),
    replayedAt: timestamp('replayed_at', { withTimezone: true }),
    replayOutcome: text('replay_outcome'),
  },
  (table) => [
    uniqueIndex('dead_letter_source_key').on(
      table.topic,
      table.partition,
      table.offset,
      sql`coalesce(${table.topicId}, ${sql.raw(`'${UNKNOWN_TOPIC_ID}'::uuid`)})`,
    ),
    index('dead_letter_unpublished_idx').on(table.id).where(sql`${table.publishedAt} is null`),
  ],
);
