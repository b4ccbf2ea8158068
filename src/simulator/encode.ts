import type { Customer } from '../catalog/customers.ts';
import type { Product } from '../catalog/products.ts';
import type { Store } from '../catalog/stores.ts';
import type { SchemaVersion } from '../contract/message.ts';
import { formatMoney, MONEY_PLACES, QUANTITY_PLACES, RATE_PLACES } from '../domain/money.ts';
import type { ByteWriter } from '../plumbing/byte-writer.ts';
import type { AppliedTax } from '../tax/engine.ts';
import { formatRate } from '../tax/rate.ts';
import type { TimeZoneClock } from './local-time.ts';
import type { Transaction } from './transactions.ts';

/**
 * How messages are written: a contract version, and the chain's currency. Version 2 adds each
 * line's `taxes` after its `tax` and the transaction's `tax_totals` after its `tax_total`.
 */
export interface WireFormat {
  version: SchemaVersion;
  currency: string;
}

/**
 * Writes a transaction as a message of the contract: compact JSON, UTF-8, fields in the contract's
 * order. This is the simulator's hot path, so it writes bytes directly: the fixed parts are
 * prepared once, and every catalog string goes through JSON.stringify when first seen, so the
 * escaping is JSON's own. The tests parse what it writes and check it against the JSON Schema.
 */
export function encodeTransaction(transaction: Transaction, clock: TimeZoneClock, out: ByteWriter, format: WireFormat): void {
  const { store, tender } = transaction;
  const T = fixedTexts(format);
  const v2 = format.version === 2;
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
    // v1's rates have four places (the US chain's all do: a chain with finer rates writes v2 only).
    if (v2) out.bytes(rateText(line.taxRate));
    else out.fixed(line.taxRate / 100, RATE_PLACES);
    out.bytes(T.tax);
    out.fixed(line.tax, MONEY_PLACES);
    if (v2) {
      out.bytes(T.taxes);
      line.taxes.forEach(({ tax, amount }, c) => {
        if (c > 0) out.byte(COMMA);
        out.bytes(taxFragments(tax).component);
        out.fixed(amount, MONEY_PLACES);
        out.bytes(T.endObject);
      });
      out.bytes(T.endTaxes);
    }
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
  if (v2) {
    out.bytes(T.taxTotals);
    transaction.taxTotals.forEach(({ tax, amount }, t) => {
      if (t > 0) out.byte(COMMA);
      out.bytes(taxFragments(tax).total);
      out.fixed(amount, MONEY_PLACES);
      out.bytes(T.endObject);
    });
    out.bytes(T.endTaxTotals);
  }
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

const COMMA = 0x2c;

/** The fixed text between the values, in the contract's order: one set per version and currency. */
function texts(format: WireFormat) {
  const v2 = format.version === 2;
  return asBytes({
    start: `{"schema_version":${format.version},"transaction_id":"`,
    sale: '","type":"sale","original_transaction_id":',
    return: '","type":"return","original_transaction_id":',
    null: 'null',
    occurredAt: ',"occurred_at":"',
    store: '","store":',
    registerId: ',"register_id":',
    cashierId: ',"cashier_id":',
    customer: ',"customer":',
    items: `,"currency":${JSON.stringify(format.currency)},"items":[`,
    firstLine: '{"line_no":',
    nextLine: ',{"line_no":',
    taxRate: '","tax_rate":"',
    tax: '","tax":"',
    taxes: '","taxes":[',
    endObject: '"}',
    endTaxes: ']',
    lineTotal: v2 ? ',"line_total":"' : '","line_total":"',
    endLine: '"}',
    subtotal: '],"subtotal":"',
    discountTotal: '","discount_total":"',
    taxTotal: '","tax_total":"',
    taxTotals: '","tax_totals":[',
    endTaxTotals: ']',
    total: v2 ? ',"total":"' : '","total":"',
    method: '","payment":{"method":"',
    cardBrand: '","card_brand":',
    amount: ',"amount":"',
    noCash: '","tendered":null,"change":null}}',
    tendered: '","tendered":"',
    change: '","change":"',
    endCash: '"}}',
  });
}

const formats = new Map<string, ReturnType<typeof texts>>();

function fixedTexts(format: WireFormat): ReturnType<typeof texts> {
  const key = `${format.version} ${format.currency}`;
  let made = formats.get(key);
  if (!made) {
    made = texts(format);
    formats.set(key, made);
  }
  return made;
}

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

/** A v2 rate as written ("0.14975"), quoted by the fixed texts around it. */
const rates = new Map<number, Buffer>();

function rateText(millionths: number): Buffer {
  let text = rates.get(millionths);
  if (!text) {
    text = Buffer.from(formatRate(millionths));
    rates.set(millionths, text);
  }
  return text;
}

interface TaxFragments {
  /** `{"code":"GST","jurisdiction":"CA","rate":"0.0500","amount":"` */
  component: Buffer;
  /** `{"code":"GST","jurisdiction":"CA","amount":"` */
  total: Buffer;
}

const taxes = new WeakMap<AppliedTax, TaxFragments>();

function taxFragments(tax: AppliedTax): TaxFragments {
  let fragments = taxes.get(tax);
  if (!fragments) {
    const name = `{"code":${JSON.stringify(tax.code)},"jurisdiction":${JSON.stringify(tax.jurisdiction)}`;
    fragments = {
      component: Buffer.from(`${name},"rate":"${formatRate(tax.rate)}","amount":"`),
      total: Buffer.from(`${name},"amount":"`),
    };
    taxes.set(tax, fragments);
  }
  return fragments;
}
