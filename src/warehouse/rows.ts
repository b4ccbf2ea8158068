/** The rows the warehouse's statements take (src/warehouse/sql), as the write path hands them over. */
import type { AggregateDeltas } from './aggregate-deltas.ts';

/**
 * The rows of a batch as the write path takes them: the dimension members, column by column, as
 * the set-based upserts take them (one array parameter per column, unnested in SQL), and the
 * facts as COPY text. Money stays in its decimal strings all the way to `numeric`.
 */
export interface WarehouseRows extends DimensionRows {
  facts: FactText;
  /** What the facts add to the aggregates. */
  aggregates: AggregateDeltas;
}

/** The distinct members of a batch's dimensions, each sorted by natural key. */
export interface DimensionRows {
  dates: number[];
  stores: {
    storeId: string[];
    name: string[];
    city: string[];
    region: string[];
    country: string[];
    timezone: string[];
    currency: string[];
    asOf: string[];
  };
  products: { sku: string[]; name: string[]; category: string[]; brand: string[]; unit: string[]; asOf: string[] };
  customers: { customerId: string[]; name: string[]; email: string[]; loyaltyTier: string[]; asOf: string[] };
  paymentMethods: { method: string[]; cardBrand: (string | null)[] };
  /**
   * The taxes the batch's lines carry (a code of a jurisdiction at a rate: `taxName`), the rate
   * with 6 places as dim_tax stores it, and the first and last local dates (date keys) of the
   * batch's lines that carry each.
   */
  taxes: { jurisdiction: string[]; code: string[]; rate: string[]; validFrom: number[]; validTo: number[] };
}

/**
 * A batch's facts in COPY's text format (UTF-8), all but the dimension keys, which only the
 * database knows: each row's columns up to its keys, tab-terminated, back to back; and for each
 * row, which dimension member it names (an index into the DimensionRows' arrays). Plain bytes and
 * typed arrays, made where no database is at hand (the preparer's thread) and moved, not copied.
 */
export interface FactText {
  /** Transactions in the text; transaction i has `lineCounts[i]` lines, after those of transaction i − 1. */
  count: number;
  transactions: Uint8Array;
  /** Where each transaction's text ends in `transactions`. */
  transactionEnds: Uint32Array;
  lines: Uint8Array;
  lineEnds: Uint32Array;
  lineCounts: Uint32Array;
  /** Per transaction: index into `stores`, `customers` (−1: no customer) and `paymentMethods`. */
  store: Uint32Array;
  customer: Int32Array;
  paymentMethod: Uint32Array;
  /** Per line: index into `products`. */
  product: Uint32Array;
  /** The lines' tax components (fact_line_tax): transaction i has `taxCounts[i]` of them, after those of transaction i − 1. */
  taxes: Uint8Array;
  taxEnds: Uint32Array;
  taxCounts: Uint32Array;
  /** Per component: index into `taxes` of the DimensionRows. */
  tax: Uint32Array;
}

/** A message that was not accepted, as the dead-letter table stores it. */
export interface DeadLetterRow {
  /** Kafka's id of the source topic; null without Kafka, or when unknown. */
  topicId: string | null;
  topic: string | null;
  partition: number | null;
  offset: bigint | null;
  key: Buffer | null;
  rawValue: Buffer | null;
  errorCode: string;
  errorDetail: string;
}
