/**
 * The message contract, versions 1 and 2: what `pos simulate` produces and `pos consume` accepts
 * (docs/message-contract.md). Version 2 is version 1 with each line's tax split into its
 * components (GST, HST, PST, QST, RST, a US state's sales tax…) and the transaction's totals per
 * component; one topic may hold both.
 */

export const SCHEMA_VERSION = 1;
export const SCHEMA_HEADER = 'pos.transaction.v1';
/** The versions this consumer reads. */
export const SCHEMA_VERSIONS = [1, 2] as const;
export type SchemaVersion = (typeof SCHEMA_VERSIONS)[number];
/** The `schema` header of a message of each version. */
export function schemaHeader(version: SchemaVersion): string {
  return `pos.transaction.v${version}`;
}
export const CONTENT_TYPE = 'application/json';

export type LoyaltyTier = 'none' | 'silver' | 'gold' | 'platinum';
export type PaymentMethod = 'cash' | 'credit_card' | 'debit_card' | 'mobile_wallet' | 'gift_card';

export interface StoreRef {
  store_id: string;
  name: string;
  city: string;
  region: string;
  country: string;
  timezone: string;
}

export interface CustomerRef {
  customer_id: string;
  name: string;
  email: string;
  loyalty_tier: LoyaltyTier;
}

export interface LineItem {
  line_no: number;
  sku: string;
  name: string;
  category: string;
  brand: string;
  unit: 'each' | 'kg';
  quantity: string;
  unit_price: string;
  discount: string;
  tax_rate: string;
  tax: string;
  line_total: string;
}

/**
 * One tax on one line (contract v2): which tax (`code`: GST, HST, PST, QST, RST, US-STATE…), of
 * which jurisdiction (ISO 3166: "CA" for a federal tax, "CA-QC", "US-FL" for a province's or a
 * state's), at which rate, and the amount: round(line_total × rate, 2), half away from zero.
 */
export interface TaxComponent {
  code: string;
  jurisdiction: string;
  /** A decimal fraction of 4 to 6 places ("0.05000", "0.09975"). */
  rate: string;
  amount: string;
}

/** A line of contract v2: v1's, with its tax components (none for an untaxed line); `tax` is their sum, `tax_rate` the sum of their rates. */
export interface LineItemV2 extends LineItem {
  taxes: TaxComponent[];
}

/** A transaction's total of one tax (contract v2): the sum of its lines' components of that code and jurisdiction. */
export interface TaxTotal {
  code: string;
  jurisdiction: string;
  amount: string;
}

export interface Payment {
  method: PaymentMethod;
  card_brand: string | null;
  amount: string;
  tendered: string | null;
  change: string | null;
}

export interface TransactionMessage {
  schema_version: typeof SCHEMA_VERSION;
  transaction_id: string;
  type: 'sale' | 'return';
  original_transaction_id: string | null;
  occurred_at: string;
  store: StoreRef;
  register_id: string;
  cashier_id: string;
  customer: CustomerRef | null;
  currency: string;
  items: LineItem[];
  subtotal: string;
  discount_total: string;
  tax_total: string;
  total: string;
  payment: Payment;
}

/** Contract v2: v1 with tax components on each line and the totals per tax. */
export interface TransactionMessageV2 extends Omit<TransactionMessage, 'schema_version' | 'items'> {
  schema_version: 2;
  items: LineItemV2[];
  /** One entry per (code, jurisdiction) of the lines' components, in the order each first appears in them. */
  tax_totals: TaxTotal[];
}

/** A message of any version this consumer reads. */
export type AnyTransactionMessage = TransactionMessage | TransactionMessageV2;

// The contract's fields, object by object, in its order: the order of the canonical JSON
// (canonical.ts) and the keys the quick path allows (conforms.ts). The JSON Schema is held to
// these lists by a test (test/unit/contract/message.test.ts).
export const TRANSACTION_FIELDS = [
  'schema_version',
  'transaction_id',
  'type',
  'original_transaction_id',
  'occurred_at',
  'store',
  'register_id',
  'cashier_id',
  'customer',
  'currency',
  'items',
  'subtotal',
  'discount_total',
  'tax_total',
  'total',
  'payment',
] as const satisfies readonly (keyof TransactionMessage)[];
export const STORE_FIELDS = [
  'store_id',
  'name',
  'city',
  'region',
  'country',
  'timezone',
] as const satisfies readonly (keyof StoreRef)[];
export const CUSTOMER_FIELDS = ['customer_id', 'name', 'email', 'loyalty_tier'] as const satisfies readonly (keyof CustomerRef)[];
export const LINE_FIELDS = [
  'line_no',
  'sku',
  'name',
  'category',
  'brand',
  'unit',
  'quantity',
  'unit_price',
  'discount',
  'tax_rate',
  'tax',
  'line_total',
] as const satisfies readonly (keyof LineItem)[];
export const PAYMENT_FIELDS = [
  'method',
  'card_brand',
  'amount',
  'tendered',
  'change',
] as const satisfies readonly (keyof Payment)[];

// Contract v2's lists: v1's with `taxes` after a line's `tax` and `tax_totals` after `tax_total`.
export const TRANSACTION_FIELDS_V2 = [
  ...TRANSACTION_FIELDS.slice(0, TRANSACTION_FIELDS.indexOf('tax_total') + 1),
  'tax_totals',
  ...TRANSACTION_FIELDS.slice(TRANSACTION_FIELDS.indexOf('tax_total') + 1),
] as const satisfies readonly (keyof TransactionMessageV2)[];
export const LINE_FIELDS_V2 = [
  ...LINE_FIELDS.slice(0, LINE_FIELDS.indexOf('tax') + 1),
  'taxes',
  ...LINE_FIELDS.slice(LINE_FIELDS.indexOf('tax') + 1),
] as const satisfies readonly (keyof LineItemV2)[];
export const TAX_COMPONENT_FIELDS = ['code', 'jurisdiction', 'rate', 'amount'] as const satisfies readonly (keyof TaxComponent)[];
export const TAX_TOTAL_FIELDS = ['code', 'jurisdiction', 'amount'] as const satisfies readonly (keyof TaxTotal)[];
