import type { Customer } from '../catalog/customers.ts';
import type { Product } from '../catalog/products.ts';
import { CURRENCY } from '../catalog/regions.ts';
import type { Store } from '../catalog/stores.ts';
import { formatMoney, MONEY_PLACES, QUANTITY_PLACES, RATE_PLACES } from '../domain/money.ts';
import type { ByteWriter } from '../plumbing/byte-writer.ts';
import type { TimeZoneClock } from './local-time.ts';
import type { Transaction } from './transactions.ts';

/**
 * Writes a transaction as a contract v1 message: compact JSON, UTF-8, fields in the contract's
 * order. This is the simulator's hot path, so it writes bytes directly: the fixed parts are
 * prepared once, and every catalog string goes through JSON.stringify when first seen, so the
 * escaping is JSON's own. The tests parse what it writes and check it against the JSON Schema.
 */
export function encodeTransaction(transaction: Transaction, clock: TimeZoneClock, out: ByteWriter): void {
  const { store, tender } = transaction;
  const storeBytes = storeFragments(store);
  out.bytes(T.start);
  out.ascii(transaction.id);
  out.bytes(transaction.type === 'sale' ? T.sale : T.return);
  if (transaction.originalId === null) out.bytes(T.null);
  else quoted(out, transaction.originalId);
  out.bytes(T.occurredAt);
  out.ascii(clock.format(transaction.at));
  out.bytes(T.store);
  out.bytes(storeBytes.store);
  out.bytes(T.registerId);
  out.bytes(storeBytes.registers[transaction.register] as Buffer);
  out.bytes(T.cashierId);
  out.bytes(storeBytes.cashiers[transaction.cashier] as Buffer);
  out.bytes(T.customer);
  out.bytes(transaction.customer === null ? T.null : customerFragment(transaction.customer));
  out.bytes(T.items);
  transaction.lines.forEach((line, i) => {
    const product = productFragments(line.product);
    out.bytes(i === 0 ? T.firstLine : T.nextLine);
    out.ascii(String(i + 1));
    out.bytes(product.identity);
    out.fixed(line.quantity / (line.product.unit === 'each' ? 1000 : 1), line.product.unit === 'each' ? 0 : QUANTITY_PLACES);
    out.bytes(product.unitPrice);
    out.fixed(line.discount, MONEY_PLACES);
    out.bytes(T.taxRate);
    out.fixed(line.taxRate, RATE_PLACES);
    out.bytes(T.tax);
    out.fixed(line.tax, MONEY_PLACES);
    out.bytes(T.lineTotal);
    out.fixed(line.lineTotal, MONEY_PLACES);
    out.bytes(T.endLine);
  });
  out.bytes(T.subtotal);
  out.fixed(transaction.subtotal, MONEY_PLACES);
  out.bytes(T.discountTotal);
  out.fixed(transaction.discount, MONEY_PLACES);
  out.bytes(T.taxTotal);
  out.fixed(transaction.tax, MONEY_PLACES);
  out.bytes(T.total);
  out.fixed(transaction.total, MONEY_PLACES);
  out.bytes(T.method);
  out.ascii(tender.method);
  out.bytes(T.cardBrand);
  if (tender.cardBrand === null) out.bytes(T.null);
  else quoted(out, tender.cardBrand);
  out.bytes(T.amount);
  out.fixed(transaction.total, MONEY_PLACES);
  if (transaction.tendered === undefined) {
    out.bytes(T.noCash);
  } else {
    out.bytes(T.tendered);
    out.fixed(transaction.tendered, MONEY_PLACES);
    out.bytes(T.change);
    out.fixed(transaction.tendered - transaction.total, MONEY_PLACES);
    out.bytes(T.endCash);
  }
}

function quoted(out: ByteWriter, ascii: string): void {
  out.byte(QUOTE);
  out.ascii(ascii);
  out.byte(QUOTE);
}

const QUOTE = 0x22;

/** The fixed text between the values, in the contract's order. */
const T = asBytes({
  start: '{"schema_version":1,"transaction_id":"',
  sale: '","type":"sale","original_transaction_id":',
  return: '","type":"return","original_transaction_id":',
  null: 'null',
  occurredAt: ',"occurred_at":"',
  store: '","store":',
  registerId: ',"register_id":',
  cashierId: ',"cashier_id":',
  customer: ',"customer":',
  items: `,"currency":"${CURRENCY}","items":[`,
  firstLine: '{"line_no":',
  nextLine: ',{"line_no":',
  taxRate: '","tax_rate":"',
  tax: '","tax":"',
  lineTotal: '","line_total":"',
  endLine: '"}',
  subtotal: '],"subtotal":"',
  discountTotal: '","discount_total":"',
  taxTotal: '","tax_total":"',
  total: '","total":"',
  method: '","payment":{"method":"',
  cardBrand: '","card_brand":',
  amount: ',"amount":"',
  noCash: '","tendered":null,"change":null}}',
  tendered: '","tendered":"',
  change: '","change":"',
  endCash: '"}}',
});

function asBytes<K extends string>(texts: Record<K, string>): Record<K, Buffer> {
  return Object.fromEntries(Object.entries<string>(texts).map(([name, text]) => [name, Buffer.from(text)])) as Record<K, Buffer>;
}

interface StoreFragments {
  store: Buffer;
  /** Indexed by register number (1-based): JSON strings. */
  registers: Buffer[];
  cashiers: Buffer[];
}

const stores = new WeakMap<Store, StoreFragments>();

function storeFragments(store: Store): StoreFragments {
  let fragments = stores.get(store);
  if (!fragments) {
    const ids = (prefix: string, count: number, width: number) =>
      Array.from({ length: count + 1 }, (_, n) =>
        Buffer.from(JSON.stringify(`${store.storeId}-${prefix}${String(n).padStart(width, '0')}`)),
      );
    fragments = {
      store: Buffer.from(
        JSON.stringify({
          store_id: store.storeId,
          name: store.name,
          city: store.city,
          region: store.region.name,
          country: store.region.country,
          timezone: store.region.timezone,
        }),
      ),
      registers: ids('R', store.registers, 2),
      cashiers: ids('E', store.cashiers, 3),
    };
    stores.set(store, fragments);
  }
  return fragments;
}

const customers = new WeakMap<Customer, Buffer>();

function customerFragment(customer: Customer): Buffer {
  let fragment = customers.get(customer);
  if (fragment === undefined) {
    fragment = Buffer.from(
      JSON.stringify({
        customer_id: customer.customerId,
        name: customer.name,
        email: customer.email,
        loyalty_tier: customer.loyaltyTier,
      }),
    );
    customers.set(customer, fragment);
  }
  return fragment;
}

interface ProductFragments {
  /** `,"sku":…,"name":…,"category":…,"brand":…,"unit":…,"quantity":"` */
  identity: Buffer;
  /** `","unit_price":"3.49","discount":"` */
  unitPrice: Buffer;
}

const products = new WeakMap<Product, ProductFragments>();

function productFragments(product: Product): ProductFragments {
  let fragments = products.get(product);
  if (!fragments) {
    const fields = JSON.stringify({
      sku: product.sku,
      name: product.name,
      category: product.category.name,
      brand: product.brand,
      unit: product.unit,
    });
    const price = formatMoney(product.unitPrice);
    fragments = {
      identity: Buffer.from(`,${fields.slice(1, -1)},"quantity":"`),
      unitPrice: Buffer.from(`","unit_price":"${price}","discount":"`),
    };
    products.set(product, fragments);
  }
  return fragments;
}
