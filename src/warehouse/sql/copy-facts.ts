import { ByteWriter } from '../../plumbing/byte-writer.ts';
import type { TransactionRunner } from '../connection.ts';
import { copyField } from '../copy.ts';
import type { FactText, WarehouseRows } from '../rows.ts';
import { type DimensionKeys, paymentMethodName, taxName } from './dimension-keys.ts';

/** The COPY targets: the key columns last, so that a row's text is its fixed part and then its keys. */
export const FACT_TRANSACTION_COLUMNS =
  'pos.fact_transaction (transaction_id, type, original_transaction_id, occurred_at, date_key, local_hour, register_id, ' +
  'cashier_id, currency, subtotal, discount_total, tax_total, total, line_count, source_topic, source_partition, ' +
  'source_offset, payload_hash, store_key, customer_key, payment_method_key)';
export const FACT_SALES_LINE_COLUMNS =
  'pos.fact_sales_line (transaction_id, line_no, quantity, unit_price, discount, tax_rate, tax, line_total, date_key, ' +
  'product_key, store_key, customer_key)';
export const FACT_LINE_TAX_COLUMNS = 'pos.fact_line_tax (transaction_id, line_no, taxable, tax, date_key, store_key, tax_key)';

/** A transaction's columns before its keys, as the mapping (ingest/rows.ts) hands them over. */
export interface TransactionFacts {
  transactionId: string;
  type: string;
  originalTransactionId: string | null;
  occurredAt: string;
  dateKey: number;
  localHour: number;
  registerId: string;
  cashierId: string;
  currency: string;
  subtotal: string;
  discountTotal: string;
  taxTotal: string;
  total: string;
  sourceTopic: string | null;
  sourcePartition: number | null;
  sourceOffset: bigint | null;
  /** Hex. */
  payloadHash: string;
}

/** A line's columns before its keys. */
export interface LineFacts {
  lineNo: number;
  quantity: string;
  unitPrice: string;
  discount: string;
  taxRate: string;
  tax: string;
  lineTotal: string;
}

/** A line's tax component before its keys: the amount, and which of the batch's taxes it is. */
export interface LineTaxFacts {
  amount: string;
  /** Index among the batch's taxes, in the order they were first seen. */
  tax: number;
}

/** Which dimension members a row names: indexes in the order the members were first seen. */
export interface TransactionMembers {
  store: number;
  /** −1: no customer. */
  customer: number;
  paymentMethod: number;
}

/** For each dimension, a member's final index (after sorting) by the index it was first seen with. */
export interface MemberRenumbering {
  store: Uint32Array;
  customer: Uint32Array;
  paymentMethod: Uint32Array;
  product: Uint32Array;
  tax: Uint32Array;
}

/**
 * Writes a batch's facts as COPY text, row by row as the transactions are mapped, so that
 * nothing of a message needs to outlive its turn (the batch's parsed messages would otherwise all
 * survive to the end of the batch, which costs more garbage collection than anything else). The
 * text goes straight into bytes, field by field.
 */
export class FactTextBuilder {
  readonly #transactions = new ByteWriter();
  readonly #transactionEnds: number[] = [];
  readonly #lines = new ByteWriter();
  readonly #lineEnds: number[] = [];
  readonly #lineCounts: number[] = [];
  readonly #store: number[] = [];
  readonly #customer: number[] = [];
  readonly #paymentMethod: number[] = [];
  readonly #product: number[] = [];
  readonly #taxes = new ByteWriter();
  readonly #taxEnds: number[] = [];
  readonly #taxCounts: number[] = [];
  readonly #tax: number[] = [];

  add(
    t: TransactionFacts,
    members: TransactionMembers,
    lines: readonly (LineFacts & { product: number; taxes: readonly LineTaxFacts[] })[],
  ): void {
    const w = this.#transactions;
    field(w, t.transactionId);
    field(w, t.type);
    field(w, t.originalTransactionId ?? NULL);
    field(w, t.occurredAt);
    field(w, String(t.dateKey));
    field(w, String(t.localHour));
    field(w, copyField(t.registerId));
    field(w, copyField(t.cashierId));
    field(w, t.currency);
    field(w, t.subtotal);
    field(w, t.discountTotal);
    field(w, t.taxTotal);
    field(w, t.total);
    field(w, String(lines.length));
    field(w, copyField(t.sourceTopic));
    field(w, t.sourcePartition === null ? NULL : String(t.sourcePartition));
    field(w, t.sourceOffset === null ? NULL : String(t.sourceOffset));
    w.ascii(BYTEA_HEX);
    w.ascii(t.payloadHash);
    w.byte(TAB);
    this.#transactionEnds.push(w.position);
    this.#lineCounts.push(lines.length);
    this.#store.push(members.store);
    this.#customer.push(members.customer);
    this.#paymentMethod.push(members.paymentMethod);

    const l = this.#lines;
    const x = this.#taxes;
    const dateKey = String(t.dateKey);
    let taxCount = 0;
    for (const line of lines) {
      field(l, t.transactionId);
      field(l, String(line.lineNo));
      field(l, line.quantity);
      field(l, line.unitPrice);
      field(l, line.discount);
      field(l, line.taxRate);
      field(l, line.tax);
      field(l, line.lineTotal);
      field(l, dateKey);
      this.#lineEnds.push(l.position);
      this.#product.push(line.product);
      // Its components: each on the line's total, the taxable amount.
      for (const component of line.taxes) {
        field(x, t.transactionId);
        field(x, String(line.lineNo));
        field(x, line.lineTotal);
        field(x, component.amount);
        field(x, dateKey);
        this.#taxEnds.push(x.position);
        this.#tax.push(component.tax);
        taxCount++;
      }
    }
    this.#taxCounts.push(taxCount);
  }

  finish(renumber: MemberRenumbering): FactText {
    return {
      count: this.#lineCounts.length,
      transactions: this.#transactions.written(),
      transactionEnds: Uint32Array.from(this.#transactionEnds),
      lines: this.#lines.written(),
      lineEnds: Uint32Array.from(this.#lineEnds),
      lineCounts: Uint32Array.from(this.#lineCounts),
      store: renumbered(this.#store, renumber.store, new Uint32Array(this.#store.length)),
      customer: renumbered(this.#customer, renumber.customer, new Int32Array(this.#customer.length)),
      paymentMethod: renumbered(this.#paymentMethod, renumber.paymentMethod, new Uint32Array(this.#paymentMethod.length)),
      product: renumbered(this.#product, renumber.product, new Uint32Array(this.#product.length)),
      taxes: this.#taxes.written(),
      taxEnds: Uint32Array.from(this.#taxEnds),
      taxCounts: Uint32Array.from(this.#taxCounts),
      tax: renumbered(this.#tax, renumber.tax, new Uint32Array(this.#tax.length)),
    };
  }
}

/** A text field and the tab after it. */
function field(writer: ByteWriter, text: string): void {
  writer.utf8(text);
  writer.byte(TAB);
}

const TAB = 0x09;
/** COPY's null. */
const NULL = '\\N';
/** A bytea in COPY's text format: `\\x` and hex digits (the backslash itself escaped). */
const BYTEA_HEX = '\\\\x';

/** Each row's member index, after sorting, into `keys`; −1 (no customer) stays −1. */
function renumbered<Keys extends Uint32Array | Int32Array>(indexes: number[], final: Uint32Array, keys: Keys): Keys {
  for (let i = 0; i < indexes.length; i++) {
    const index = indexes[i] as number;
    keys[i] = index < 0 ? -1 : (final[index] as number);
  }
  return keys;
}

/** The buffers of a FactText, to move it to another thread rather than copy it. */
export function factTextBuffers(facts: FactText): ArrayBuffer[] {
  const views = [
    facts.transactions,
    facts.transactionEnds,
    facts.lines,
    facts.lineEnds,
    facts.lineCounts,
    facts.store,
    facts.customer,
    facts.paymentMethod,
    facts.product,
    facts.taxes,
    facts.taxEnds,
    facts.taxCounts,
    facts.tax,
  ];
  return [...new Set(views.map((view) => view.buffer as ArrayBuffer))];
}

/**
 * Copies the batch's transactions, their lines and the lines' tax components straight into the fact tables, with the
 * dimension keys of its members (looked up in this transaction, once every member has its row).
 * Returns false, having written nothing, when one of the transaction ids is already stored.
 */
export async function copyFacts(db: TransactionRunner, rows: WarehouseRows, keys: DimensionKeys): Promise<boolean> {
  if (rows.facts.count === 0) return true;
  await db.query('savepoint copy_facts');
  try {
    await copyFreshFacts(db, rows, keys);
  } catch (error) {
    if (!(error instanceof StoredIdMet)) throw error;
    await db.query('rollback to savepoint copy_facts');
    return false;
  }
  await db.query('release savepoint copy_facts');
  return true;
}

/** A copy met a transaction id already stored: the database transaction has failed, and is to be rolled back. */
export class StoredIdMet extends Error {
  constructor(cause: unknown) {
    super('a transaction id in the batch is already stored', { cause });
    this.name = 'StoredIdMet';
  }
}

/** copyFacts without a savepoint of its own: a stored id fails the database transaction (StoredIdMet). */
export async function copyFreshFacts(db: TransactionRunner, rows: WarehouseRows, keys: DimensionKeys): Promise<void> {
  if (rows.facts.count === 0) return;
  const { transactions, lines, taxes } = factCopyText(rows, keys);
  try {
    await db.copyFrom(FACT_TRANSACTION_COLUMNS, transactions);
    await db.copyFrom(FACT_SALES_LINE_COLUMNS, lines);
  } catch (error) {
    throw (error as { code?: string }).code === '23505' ? new StoredIdMet(error) : error;
  }
  // After its transactions: a stored id has failed the copy above. A key met here is the
  // message's own fault (two components of one tax on a line), left to the halving.
  if (taxes.length > 0) await db.copyFrom(FACT_LINE_TAX_COLUMNS, taxes);
}

/** Each key's text is at most 11 characters and a separator; a row has three keys. */
const MAX_KEYS_BYTES = 3 * 12;

/** A batch's facts in COPY's text format for the columns above: each row's text, then its keys. */
export function factCopyText(rows: WarehouseRows, keys: DimensionKeys): { transactions: Buffer; lines: Buffer; taxes: Buffer } {
  const f = rows.facts;
  const stores = keyTexts(rows.stores.storeId, keys.store, 'store', '\t');
  const products = keyTexts(rows.products.sku, keys.product, 'product', '\t');
  const methodNames = rows.paymentMethods.method.map((method, i) =>
    paymentMethodName(method, rows.paymentMethods.cardBrand[i] ?? null),
  );
  const methods = keyTexts(methodNames, keys.paymentMethod, 'payment method', '\n');
  const taxNames = rows.taxes.code.map((code, i) =>
    taxName(rows.taxes.jurisdiction[i] as string, code, rows.taxes.rate[i] as string),
  );
  const taxKeys = keyTexts(taxNames, keys.tax, 'tax', '\n');
  // A customer's key ends a transaction's row with a tab (the payment method follows) and a line's with its end.
  const customersMid = [...keyTexts(rows.customers.customerId, keys.customer, 'customer', '\t'), Buffer.from('\\N\t')];
  const customersLast = [...keyTexts(rows.customers.customerId, keys.customer, 'customer', '\n'), Buffer.from('\\N\n')];
  const noCustomer = customersMid.length - 1;

  const transactionText = asBuffer(f.transactions);
  const lineText = asBuffer(f.lines);
  const transactions = Buffer.allocUnsafe(transactionText.length + f.count * MAX_KEYS_BYTES);
  const lines = Buffer.allocUnsafe(lineText.length + f.product.length * MAX_KEYS_BYTES);
  const componentText = asBuffer(f.taxes);
  const taxes = Buffer.allocUnsafe(componentText.length + f.tax.length * MAX_KEYS_BYTES);
  let [t, l, start, lineStart, line] = [0, 0, 0, 0, 0];
  let [x, taxStart, component] = [0, 0, 0];
  for (let i = 0; i < f.count; i++) {
    const end = f.transactionEnds[i] as number;
    t += transactionText.copy(transactions, t, start, end);
    start = end;
    const store = stores[f.store[i] as number] as Buffer;
    const customer = f.customer[i] as number;
    const c = customer < 0 ? noCustomer : customer;
    t += store.copy(transactions, t);
    t += (customersMid[c] as Buffer).copy(transactions, t);
    t += (methods[f.paymentMethod[i] as number] as Buffer).copy(transactions, t);
    for (const last = line + (f.lineCounts[i] as number); line < last; line++) {
      const lineEnd = f.lineEnds[line] as number;
      l += lineText.copy(lines, l, lineStart, lineEnd);
      lineStart = lineEnd;
      l += (products[f.product[line] as number] as Buffer).copy(lines, l);
      l += store.copy(lines, l);
      l += (customersLast[c] as Buffer).copy(lines, l);
    }
    for (const last = component + (f.taxCounts[i] as number); component < last; component++) {
      const taxEnd = f.taxEnds[component] as number;
      x += componentText.copy(taxes, x, taxStart, taxEnd);
      taxStart = taxEnd;
      x += store.copy(taxes, x);
      x += (taxKeys[f.tax[component] as number] as Buffer).copy(taxes, x);
    }
  }
  return { transactions: transactions.subarray(0, t), lines: lines.subarray(0, l), taxes: taxes.subarray(0, x) };
}

/** Each member's surrogate key as COPY text, followed by `separator`, in the members' order. */
function keyTexts(naturalKeys: readonly string[], keys: Map<string, number>, what: string, separator: string): Buffer[] {
  return naturalKeys.map((naturalKey) => {
    const key = keys.get(naturalKey);
    if (key === undefined) throw new Error(`${what} ${naturalKey} has no row in its dimension after the upserts`);
    return Buffer.from(`${key}${separator}`, 'latin1');
  });
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
