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
