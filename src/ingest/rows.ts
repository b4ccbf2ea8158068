import type { AnyTransactionMessage, LineItem, LineItemV2, TransactionMessage } from '../contract/message.ts';
import { dateKey } from '../domain/date-key.ts';
import { formatFixed, MONEY_PLACES, parseFixed, QUANTITY_PLACES } from '../domain/money.ts';
import { v1TaxComponentName } from '../tax/jurisdictions.ts';
import { AggregateDeltaBuilder, type TransactionAmounts } from '../warehouse/aggregate-deltas.ts';
import type { WarehouseRows } from '../warehouse/rows.ts';
import { FactTextBuilder, type LineFacts, type TransactionFacts } from '../warehouse/sql/copy-facts.ts';
import { taxName } from '../warehouse/sql/dimension-keys.ts';

/** Where a message came from in Kafka; absent when written through the API without Kafka. */
export interface SourcePosition {
  topic: string;
  partition: number;
  offset: bigint;
  /** Kafka's id of the topic (a recreated topic has another, and uses the same offsets again); absent when unknown. */
  topicId?: string;
}

/** A valid message, ready to be written. */
export interface AcceptedMessage {
  /** Of contract v1 or v2: both map onto the same rows, a v1 line's tax as one component. */
  message: AnyTransactionMessage;
  hash: Buffer;
  source: SourcePosition | undefined;
}

/**
 * Maps valid messages to warehouse rows, one message at a time; pure. The date key and hour are
 * the store's local ones, read from the offset-bearing timestamp. A dimension member seen several
 * times keeps the attributes of its newest event, and members are sorted by natural key so that
 * concurrent writers lock dimension rows in the same order. The facts become COPY text as each
 * message is added: what is kept of a message is its dimension members, never the whole of it.
 */
export class WarehouseRowsBuilder {
  readonly #dates = new Set<number>();
  readonly #stores = new Newest<{
    name: string;
    city: string;
    region: string;
    country: string;
    timezone: string;
    currency: string;
  }>();
  readonly #products = new Newest<{ name: string; category: string; brand: string; unit: string }>();
  readonly #customers = new Newest<{ name: string; email: string; loyaltyTier: string }>();
  readonly #paymentMethods = new Newest<{ method: string; cardBrand: string | null }>();
  readonly #taxes = new TaxMembers();
  readonly #facts = new FactTextBuilder();
  readonly #aggregates = new AggregateDeltaBuilder();

  /** Maps the message and adds it; mapTransaction may throw, and then nothing of the message was added. */
  add(accepted: AcceptedMessage): void {
    this.addMapped(mapTransaction(accepted));
  }

  /** Adds a mapped message: only collections and bytes, nothing left that a message's content can make fail. */
  addMapped({ facts, at, amounts, store, customer, paymentMethod, lines }: MappedTransaction): void {
    const asOf = facts.occurredAt;
    this.#dates.add(facts.dateKey);
    const storeIndex = this.#stores.offer(store.store_id, at, asOf, store);
    const customerIndex = customer ? this.#customers.offer(customer.customerId, at, asOf, customer) : -1;
    const paymentMethodIndex = this.#paymentMethods.offer(
      `${paymentMethod.method}\u0000${paymentMethod.cardBrand ?? ''}`,
      0,
      '',
      paymentMethod,
    );
    for (const line of lines) {
      line.product = this.#products.offer(line.item.sku, at, asOf, line.item);
      for (const component of line.taxes) component.tax = this.#taxes.offer(component, facts.dateKey);
    }
    this.#facts.add(facts, { store: storeIndex, customer: customerIndex, paymentMethod: paymentMethodIndex }, lines);
    this.#aggregates.add(amounts, storeIndex, paymentMethodIndex, lines);
  }

  finish(): WarehouseRows {
    const stores = this.#stores.sorted();
    const products = this.#products.sorted();
    const customers = this.#customers.sorted();
    const paymentMethods = this.#paymentMethods.sorted();
    const taxes = this.#taxes.sorted();
    return {
      dates: [...this.#dates].sort((a, b) => a - b),
      stores: {
        storeId: stores.keys,
        name: stores.values.map((store) => store.name),
        city: stores.values.map((store) => store.city),
        region: stores.values.map((store) => store.region),
        country: stores.values.map((store) => store.country),
        timezone: stores.values.map((store) => store.timezone),
        currency: stores.values.map((store) => store.currency),
        asOf: stores.asOf,
      },
      products: {
        sku: products.keys,
        name: products.values.map((product) => product.name),
        category: products.values.map((product) => product.category),
        brand: products.values.map((product) => product.brand),
        unit: products.values.map((product) => product.unit),
        asOf: products.asOf,
      },
      customers: {
        customerId: customers.keys,
        name: customers.values.map((customer) => customer.name),
        email: customers.values.map((customer) => customer.email),
        loyaltyTier: customers.values.map((customer) => customer.loyaltyTier),
        asOf: customers.asOf,
      },
      paymentMethods: {
        method: paymentMethods.values.map((entry) => entry.method),
        cardBrand: paymentMethods.values.map((entry) => entry.cardBrand),
      },
      taxes: taxes.columns,
      facts: this.#facts.finish({
        store: stores.renumbering,
        customer: customers.renumbering,
        paymentMethod: paymentMethods.renumbering,
        product: products.renumbering,
        tax: taxes.renumbering,
      }),
      aggregates: this.#aggregates.finish({
        store: stores.renumbering,
        product: products.renumbering,
        paymentMethod: paymentMethods.renumbering,
        tax: taxes.renumbering,
      }),
    };
  }
}

/** A message's rows before they join a batch's: everything computed from the message, nothing added anywhere yet. */
export interface MappedTransaction {
  facts: TransactionFacts;
  /** occurred_at in milliseconds: which of several versions of a dimension member is the newest. */
  at: number;
  /** What the transaction adds to the aggregates, in integer units. */
  amounts: TransactionAmounts;
  /** The store's attributes, and the currency it trades in (its transactions'). */
  store: TransactionMessage['store'] & { currency: string };
  customer: { customerId: string; name: string; email: string; loyaltyTier: string } | null;
  paymentMethod: { method: string; cardBrand: string | null };
  /** Each line's product member and each of its taxes is its index among the batch's, set as the line joins a batch. */
  lines: (LineFacts & { item: LineItem; product: number; taxes: LineTax[] })[];
}

/** One tax component of a line, as fact_line_tax and dim_tax take it. */
export interface LineTax {
  jurisdiction: string;
  code: string;
  /** With dim_tax's 6 places: "0.050000". */
  rate: string;
  amount: string;
  /** `amount` in cents. */
  units: number;
  /** The tax's index among the batch's members, set as the line joins a batch. */
  tax: number;
}

/** dim_tax.rate is numeric(7,6): a v1 rate has 4 places, a v2 one 4 to 6. */
const TAX_RATE_PLACES = 6;

/**
 * One message's rows, pure: the local date key and hour read from the offset-bearing timestamp.
 * Whatever a message can make fail happens here, before anything of it joins a batch.
 */
export function mapTransaction({ message, hash, source }: AcceptedMessage): MappedTransaction {
  const asOf = message.occurred_at;
  const at = Date.parse(asOf);
  if (Number.isNaN(at)) throw new RangeError(`occurred_at ${JSON.stringify(asOf)} is not a time`);
  const { customer, payment } = message;
  const facts: TransactionFacts = {
    transactionId: message.transaction_id,
    type: message.type,
    originalTransactionId: message.original_transaction_id,
    occurredAt: asOf,
    dateKey: dateKey(asOf),
    localHour: Number(asOf.slice(11, 13)),
    registerId: message.register_id,
    cashierId: message.cashier_id,
    currency: message.currency,
    subtotal: message.subtotal,
    discountTotal: message.discount_total,
    taxTotal: message.tax_total,
    total: message.total,
    sourceTopic: source?.topic ?? null,
    sourcePartition: source?.partition ?? null,
    sourceOffset: source?.offset ?? null,
    payloadHash: hash.toString('hex'),
  };
  return {
    facts,
    at,
    amounts: {
      sale: message.type === 'sale',
      dateKey: facts.dateKey,
      hour: facts.localHour,
      at,
      subtotal: units(message.subtotal, MONEY_PLACES, 'subtotal'),
      discount: units(message.discount_total, MONEY_PLACES, 'discount_total'),
      tax: units(message.tax_total, MONEY_PLACES, 'tax_total'),
      total: units(message.total, MONEY_PLACES, 'total'),
      lines: message.items.map((item) => ({
        quantity: units(item.quantity, QUANTITY_PLACES, 'quantity'),
        lineTotal: units(item.line_total, MONEY_PLACES, 'line_total'),
      })),
    },
    store: { ...message.store, currency: message.currency },
    customer: customer
      ? { customerId: customer.customer_id, name: customer.name, email: customer.email, loyaltyTier: customer.loyalty_tier }
      : null,
    paymentMethod: { method: payment.method, cardBrand: payment.card_brand },
    lines: message.items.map((item) => ({
      lineNo: item.line_no,
      quantity: item.quantity,
      unitPrice: item.unit_price,
      discount: item.discount,
      taxRate: item.tax_rate,
      tax: item.tax,
      lineTotal: item.line_total,
      item,
      product: -1,
      taxes: lineTaxes(message, item),
    })),
  };
}

/**
 * A line's tax components: a v2 line's `taxes`; a v1 line with a rate, one component named by its
 * store's country and region (v1TaxComponentName), at the line's rate, of the line's tax; an
 * untaxed line, none.
 */
function lineTaxes(message: AnyTransactionMessage, item: LineItem): LineTax[] {
  if (message.schema_version === 2) {
    return (item as LineItemV2).taxes.map(({ code, jurisdiction, rate, amount }) => ({
      jurisdiction,
      code,
      rate: taxRate(rate),
      amount,
      units: units(amount, MONEY_PLACES, 'a tax amount'),
      tax: -1,
    }));
  }
  const rate = units(item.tax_rate, TAX_RATE_PLACES, 'tax_rate');
  if (rate === 0) return [];
  const { code, jurisdiction } = v1TaxComponentName(message.store.country, message.store.region);
  return [
    {
      jurisdiction,
      code,
      rate: formatFixed(rate, TAX_RATE_PLACES),
      amount: item.tax,
      units: units(item.tax, MONEY_PLACES, 'tax'),
      tax: -1,
    },
  ];
}

/** A rate with dim_tax's 6 places, so that "0.05", "0.0500" and "0.050000" are one tax. */
function taxRate(text: string): string {
  return formatFixed(units(text, TAX_RATE_PLACES, 'a tax rate'), TAX_RATE_PLACES);
}

/** A decimal of the contract in integer units; the contract's patterns leave nothing this refuses, but should that change, the message is refused, not the batch. */
function units(text: string, places: number, field: string): number {
  const value = parseFixed(text, places);
  if (value === undefined) throw new RangeError(`${field} ${JSON.stringify(text)} is not a decimal of at most ${places} places`);
  return value;
}

/** The rows of these messages, in this order. */
export function toWarehouseRows(accepted: Iterable<AcceptedMessage>): WarehouseRows {
  const builder = new WarehouseRowsBuilder();
  for (const message of accepted) builder.add(message);
  return builder.finish();
}

/**
 * The taxes seen in a batch, each with the index it was first seen at and the first and last
 * local dates of the lines that carry it.
 */
class TaxMembers {
  readonly #members = new Map<
    string,
    { index: number; jurisdiction: string; code: string; rate: string; from: number; to: number }
  >();

  offer({ jurisdiction, code, rate }: LineTax, date: number): number {
    const name = taxName(jurisdiction, code, rate);
    const current = this.#members.get(name);
    if (!current) {
      const index = this.#members.size;
      this.#members.set(name, { index, jurisdiction, code, rate, from: date, to: date });
      return index;
    }
    if (date < current.from) current.from = date;
    if (date > current.to) current.to = date;
    return current.index;
  }

  /** The taxes sorted by name, column by column, and where each first-seen index went. */
  sorted(): { columns: WarehouseRows['taxes']; renumbering: Uint32Array } {
    const entries = [...this.#members].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const renumbering = new Uint32Array(entries.length);
    for (const [position, [, member]] of entries.entries()) renumbering[member.index] = position;
    const members = entries.map(([, member]) => member);
    return {
      columns: {
        jurisdiction: members.map((member) => member.jurisdiction),
        code: members.map((member) => member.code),
        rate: members.map((member) => member.rate),
        validFrom: members.map((member) => member.from),
        validTo: members.map((member) => member.to),
      },
      renumbering,
    };
  }
}

/** The newest version of each dimension member seen in a batch, with the index it was first seen at. */
class Newest<T> {
  readonly #members = new Map<string, { index: number; at: number; asOf: string; value: T }>();

  /** The member's index, in the order members were first offered. */
  offer(key: string, at: number, asOf: string, value: T): number {
    const current = this.#members.get(key);
    if (!current) {
      const index = this.#members.size;
      this.#members.set(key, { index, at, asOf, value });
      return index;
    }
    if (at > current.at) {
      current.at = at;
      current.asOf = asOf;
      current.value = value;
    }
    return current.index;
  }

  /** The members sorted by key, and where each first-seen index went. */
  sorted(): { keys: string[]; asOf: string[]; values: T[]; renumbering: Uint32Array } {
    const entries = [...this.#members].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const renumbering = new Uint32Array(entries.length);
    for (const [position, [, member]] of entries.entries()) renumbering[member.index] = position;
    return {
      keys: entries.map(([key]) => key),
      asOf: entries.map(([, member]) => member.asOf),
      values: entries.map(([, member]) => member.value),
      renumbering,
    };
  }
}
