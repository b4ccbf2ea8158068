/** Message contract v1: what `pos simulate` produces and `pos consume` accepts (docs/message-contract.md). */

export const SCHEMA_VERSION = 1;
export const SCHEMA_HEADER = 'pos.transaction.v1';
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
