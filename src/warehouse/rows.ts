/** The rows the warehouse's statements take (src/warehouse/sql), as the write path hands them over. */

/**
 * The rows of a batch, column by column, as the set-based statements take them (one array
 * parameter per column, unnested in SQL). Money stays in its decimal strings all the way to
 * `numeric`.
 */
export interface WarehouseRows {
  dates: number[];
  stores: {
    storeId: string[];
    name: string[];
    city: string[];
    region: string[];
    country: string[];
    timezone: string[];
    asOf: string[];
  };
  products: { sku: string[]; name: string[]; category: string[]; brand: string[]; unit: string[]; asOf: string[] };
  customers: { customerId: string[]; name: string[]; email: string[]; loyaltyTier: string[]; asOf: string[] };
  paymentMethods: { method: string[]; cardBrand: (string | null)[] };
  transactions: {
    transactionId: string[];
    type: string[];
    originalTransactionId: (string | null)[];
    occurredAt: string[];
    dateKey: number[];
    localHour: number[];
    storeId: string[];
    registerId: string[];
    cashierId: string[];
    customerId: (string | null)[];
    method: string[];
    cardBrand: (string | null)[];
    currency: string[];
    subtotal: string[];
    discountTotal: string[];
    taxTotal: string[];
    total: string[];
    lineCount: number[];
    sourceTopic: (string | null)[];
    sourcePartition: (number | null)[];
    sourceOffset: (string | null)[];
    payloadHash: string[];
  };
  /** In the order of their transactions: `transactions.lineCount[i]` lines for transaction i, then the next one's. */
  lines: {
    transactionId: string[];
    lineNo: number[];
    sku: string[];
    quantity: string[];
    unitPrice: string[];
    discount: string[];
    taxRate: string[];
    tax: string[];
    lineTotal: string[];
  };
}

/** A message that was not accepted, as the dead-letter table stores it. */
export interface DeadLetterRow {
  topic: string | null;
  partition: number | null;
  offset: bigint | null;
  key: Buffer | null;
  rawValue: Buffer | null;
  errorCode: string;
  errorDetail: string;
}
