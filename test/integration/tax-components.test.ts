import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { TransactionMessage, TransactionMessageV2 } from '../../src/contract/message.ts';
import { type BatchResult, writeTransactions } from '../../src/ingest/write.ts';
import { findReport, runReport } from '../../src/reports/reports.ts';
import { AGGREGATES, aggregateDifferences } from '../../src/warehouse/aggregates.ts';
import type { Warehouse } from '../../src/warehouse/database.ts';
import { pruneFacts } from '../../src/warehouse/prune.ts';
import { verifyWarehouse } from '../../src/warehouse/verify.ts';
import { toV2 } from '../fixtures/messages-v2.ts';
import { backfillLines, parse } from '../fixtures/simulated.ts';
import { migratedWarehouse, snapshot } from './support/warehouse.ts';

/**
 * Contract v1 and v2 side by side in the warehouse: each line's tax components (fact_line_tax),
 * the taxes (dim_tax), their aggregate (agg_tax_day) and the reports on them, held to figures
 * this test computes on its own, in integer cents, from the messages it wrote.
 */

const BACKFILL = { seed: 2323, count: 600, startDate: '2026-03-27', days: 8 } as const;

/** Canadian stores the converted messages move to: the UTC offsets of the US time zone they come from. */
const CANADIAN_STORES = {
  'America/New_York': {
    store_id: 'STORE003',
    name: 'MegaMart',
    city: 'Montréal',
    region: 'Quebec',
    country: 'CA',
    timezone: 'America/Toronto',
  },
  'America/Denver': {
    store_id: 'STORE004',
    name: 'Neighborhood Market',
    city: 'Calgary',
    region: 'Alberta',
    country: 'CA',
    timezone: 'America/Edmonton',
  },
} as const;

/** The taxes of a taxed line in each province (2026): GST, and Quebec's QST on the price before GST. */
const PROVINCE_TAXES: Record<string, { code: string; jurisdiction: string; rate: string }[]> = {
  Quebec: [
    { code: 'GST', jurisdiction: 'CA', rate: '0.05000' },
    { code: 'QST', jurisdiction: 'CA-QC', rate: '0.09975' },
  ],
  Alberta: [{ code: 'GST', jurisdiction: 'CA', rate: '0.0500' }],
};

/** The jurisdictions of the US states the simulator's stores are in (ISO 3166-2), written out here. */
const US_JURISDICTIONS: Record<string, string> = {
  'New York': 'US-NY',
  California: 'US-CA',
  Texas: 'US-TX',
  Florida: 'US-FL',
  Illinois: 'US-IL',
  Washington: 'US-WA',
  Colorado: 'US-CO',
  Arizona: 'US-AZ',
  Georgia: 'US-GA',
  Massachusetts: 'US-MA',
  Hawaii: 'US-HI',
  Alaska: 'US-AK',
  Oregon: 'US-OR',
  Pennsylvania: 'US-PA',
  Ohio: 'US-OH',
  Michigan: 'US-MI',
  Nevada: 'US-NV',
  Tennessee: 'US-TN',
  'North Carolina': 'US-NC',
  Minnesota: 'US-MN',
};

/** A decimal string as integer units of `places` places (exact: BigInt). */
function units(text: string, places: number): bigint {
  const [whole = '0', fraction = ''] = text.replace('-', '').split('.');
  const value = BigInt(whole) * 10n ** BigInt(places) + BigInt(fraction.padEnd(places, '0') || '0');
  return text.startsWith('-') ? -value : value;
}

function money(cents: bigint): string {
  const magnitude = cents < 0n ? -cents : cents;
  return `${cents < 0n ? '-' : ''}${magnitude / 100n}.${String(magnitude % 100n).padStart(2, '0')}`;
}

/** round(cents × rate, 2), half away from zero, for a rate of up to 6 places. */
function taxOn(cents: bigint, rate: string): bigint {
  const product = cents * units(rate, 6);
  const magnitude = product < 0n ? -product : product;
  const rounded = (magnitude + 500_000n) / 1_000_000n;
  return product < 0n ? -rounded : rounded;
}

/**
 * A v1 message of a US store as contract v2 in a Canadian store with the same UTC offsets: its
 * taxed lines carry the province's taxes, each rounded on its own; its untaxed lines (zero-rated)
 * none; totals, payment and change worked out again (the fixtures' toV2).
 */
function toCanadianV2(message: TransactionMessage): TransactionMessageV2 {
  const store = CANADIAN_STORES[message.store.timezone as keyof typeof CANADIAN_STORES];
  assert.ok(store, message.store.timezone);
  return toV2({ ...message, store, currency: 'CAD' }, PROVINCE_TAXES[store.region] ?? []);
}

type AnyMessage = TransactionMessage | TransactionMessageV2;

/** A message's tax components as the warehouse should hold them: v2's own, v1's one per taxed line. */
function expectedComponents(
  message: AnyMessage,
): { line: number; code: string; jurisdiction: string; taxable: bigint; tax: bigint }[] {
  return message.items.flatMap((item) => {
    const taxable = units(item.line_total, 2);
    if (message.schema_version === 2) {
      return (item as TransactionMessageV2['items'][number]).taxes.map((component) => ({
        line: item.line_no,
        code: component.code,
        jurisdiction: component.jurisdiction,
        taxable,
        tax: units(component.amount, 2),
      }));
    }
    if (units(item.tax_rate, 6) === 0n) return [];
    const jurisdiction = US_JURISDICTIONS[message.store.region];
    assert.ok(jurisdiction, `no jurisdiction written down for ${message.store.region}`);
    return [{ line: item.line_no, code: 'US-STATE', jurisdiction, taxable, tax: units(item.tax, 2) }];
  });
}

/** Σ taxable and tax per "month jurisdiction code", as tax-collected reports them. */
function taxCollected(
  messages: readonly AnyMessage[],
): { month: string; jurisdiction: string; code: string; lines: number; taxable: string; tax: string }[] {
  const sums = new Map<string, { lines: number; taxable: bigint; tax: bigint }>();
  for (const message of messages) {
    for (const component of expectedComponents(message)) {
      const key = `${message.occurred_at.slice(0, 7)}\u0000${component.jurisdiction}\u0000${component.code}`;
      const sum = sums.get(key) ?? { lines: 0, taxable: 0n, tax: 0n };
      sum.lines++;
      sum.taxable += component.taxable;
      sum.tax += component.tax;
      sums.set(key, sum);
    }
  }
  return [...sums]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, sum]) => {
      const [month = '', jurisdiction = '', code = ''] = key.split('\u0000');
      return { month, jurisdiction, code, lines: sum.lines, taxable: money(sum.taxable), tax: money(sum.tax) };
    });
}

describe('tax components of contract v1 and v2 messages, mixed, on the server database', () => {
  let warehouse: Warehouse;
  let close: () => Promise<void>;
  let v1: TransactionMessage[];
  let v2: TransactionMessageV2[];
  /** Every message the warehouse should hold once the batches are written. */
  let landed: AnyMessage[];
  let results: BatchResult[];

  before(async () => {
    ({ warehouse, close } = await migratedWarehouse());
    const messages = parse(await backfillLines(BACKFILL));
    const movable = (message: TransactionMessage) => message.store.timezone in CANADIAN_STORES;
    // Every third message of the stores that can move becomes a Canadian v2 one; returns stay with their sales' kind.
    const moved = new Set(messages.filter((message, i) => movable(message) && i % 3 === 0).map((m) => m.transaction_id));
    v1 = messages.filter((message) => !moved.has(message.transaction_id));
    v2 = messages.filter((message) => moved.has(message.transaction_id)).map(toCanadianV2);
    assert.ok(v2.length >= 30, `only ${v2.length} v2 messages`);
    assert.ok(
      v2.some((message) => message.store.region === 'Quebec') && v2.some((message) => message.store.region === 'Alberta'),
    );
    landed = [...v1, ...v2];
    const half = Math.floor(v1.length / 2);
    const halfV2 = Math.floor(v2.length / 2);
    results = [
      // v1 alone, then v1 and v2 mixed, then a replay of both with new v2 messages (the slow path).
      await writeTransactions(warehouse, v1.slice(0, half)),
      await writeTransactions(
        warehouse,
        [...v1.slice(half)].flatMap((message, i) => [message, ...(v2[i] && i < halfV2 ? [v2[i]] : [])]),
      ),
      await writeTransactions(warehouse, [
        ...v1.slice(half - 20, half + 20),
        ...v2.slice(0, halfV2 + 10),
        ...v2.slice(halfV2 + 10),
      ]),
    ];
  });
  after(() => close());

  test('every message landed once; the replayed ones were duplicates', () => {
    const rejected = results.flatMap((result) => result.rejected);
    assert.deepEqual(rejected, [], JSON.stringify(rejected.slice(0, 3)));
    assert.equal(
      results.reduce((sum, result) => sum + result.landed, 0),
      landed.length,
    );
    // The third batch: 40 v1 and the first half of the v2 messages again; the rest of the v2 ones new.
    assert.equal(results[2]?.duplicates, 40 + Math.floor(v2.length / 2));
  });

  test('counts, money and tax by code equal the messages, summed here in cents', async () => {
    const [facts] = await warehouse.query<{
      transactions: number;
      lines: number;
      components: number;
      total: string;
      tax: string;
    }>(
      `select (select count(*) from pos.fact_transaction)::int as transactions, (select count(*) from pos.fact_sales_line)::int as lines,
              (select count(*) from pos.fact_line_tax)::int as components,
              (select sum(total)::text from pos.fact_transaction) as total, (select sum(tax)::text from pos.fact_line_tax) as tax`,
    );
    const components = landed.flatMap(expectedComponents);
    assert.deepEqual(facts, {
      transactions: landed.length,
      lines: landed.reduce((sum, message) => sum + message.items.length, 0),
      components: components.length,
      total: money(landed.reduce((sum, message) => sum + units(message.total, 2), 0n)),
      tax: money(landed.reduce((sum, message) => sum + units(message.tax_total, 2), 0n)),
    });
    const byCode = new Map<string, bigint>();
    for (const { code, jurisdiction, tax } of components) {
      byCode.set(`${jurisdiction} ${code}`, (byCode.get(`${jurisdiction} ${code}`) ?? 0n) + tax);
    }
    const stored = await warehouse.query<{ name: string; tax: string }>(
      `select d.jurisdiction || ' ' || d.code as name, sum(x.tax)::text as tax
         from pos.fact_line_tax x join pos.dim_tax d using (tax_key) group by 1 order by 1`,
    );
    assert.deepEqual(
      stored,
      [...byCode].sort(([a], [b]) => (a < b ? -1 : 1)).map(([name, tax]) => ({ name, tax: money(tax) })),
    );
    assert.ok(byCode.has('CA GST') && byCode.has('CA-QC QST') && [...byCode.keys()].some((name) => name.endsWith('US-STATE')));
  });

  test('each line carries its own components: a v1 line one, named by its state; a Quebec line GST and QST on its total', async () => {
    const rows = await warehouse.query<{
      id: string;
      line: number;
      code: string;
      jurisdiction: string;
      rate: string;
      taxable: string;
      tax: string;
    }>(
      `select x.transaction_id::text as id, x.line_no as line, d.code, d.jurisdiction, d.rate::text as rate,
              x.taxable::text as taxable, x.tax::text as tax
         from pos.fact_line_tax x join pos.dim_tax d using (tax_key)`,
    );
    const stored = new Map<string, string[]>();
    for (const row of rows) {
      const key = `${row.id} ${row.line}`;
      stored.set(key, [...(stored.get(key) ?? []), `${row.jurisdiction} ${row.code} ${row.taxable} ${row.tax}`].sort());
    }
    for (const message of landed) {
      const expected = new Map<string, string[]>();
      for (const c of expectedComponents(message)) {
        const key = `${message.transaction_id} ${c.line}`;
        expected.set(
          key,
          [...(expected.get(key) ?? []), `${c.jurisdiction} ${c.code} ${money(c.taxable)} ${money(c.tax)}`].sort(),
        );
      }
      for (const item of message.items) {
        const key = `${message.transaction_id} ${item.line_no}`;
        assert.deepEqual(stored.get(key), expected.get(key), key);
      }
    }
    // Quebec: GST 5% and QST 9.975%, each on the line's total before any tax; the line's rate their sum, all 6 places kept.
    const quebec = rows.filter((row) => row.jurisdiction === 'CA-QC');
    assert.ok(quebec.length > 0);
    for (const row of quebec) {
      assert.equal(row.rate, '0.099750');
      assert.equal(row.tax, money(taxOn(units(row.taxable, 2), '0.09975')));
    }
    const [rates] = await warehouse.query<{ rates: string[] }>(
      `select array_agg(distinct l.tax_rate::text order by l.tax_rate::text) as rates
         from pos.fact_sales_line l join pos.dim_store s using (store_key) where s.region = 'Quebec'`,
    );
    assert.deepEqual(rates?.rates, ['0.0000', '0.14975']);
  });

  test('the tax dimension holds each tax once, valid from and to the first and last local dates of its lines', async () => {
    const taxes = await warehouse.query<{ name: string; valid_from: string; valid_to: string }>(
      `select jurisdiction || ' ' || code || ' ' || rate::text as name, valid_from::text, valid_to::text from pos.dim_tax order by 1`,
    );
    const dates = new Map<string, string[]>();
    for (const message of landed) {
      for (const item of message.items) {
        const rules =
          message.schema_version === 2
            ? (item as TransactionMessageV2['items'][number]).taxes.map((c) => `${c.jurisdiction} ${c.code} ${rateText6(c.rate)}`)
            : units(item.tax_rate, 6) === 0n
              ? []
              : [`${US_JURISDICTIONS[message.store.region]} US-STATE ${rateText6(item.tax_rate)}`];
        for (const name of rules) dates.set(name, [...(dates.get(name) ?? []), message.occurred_at.slice(0, 10)]);
      }
    }
    assert.deepEqual(
      taxes,
      [...dates]
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([name, days]) => ({ name, valid_from: days.sort()[0], valid_to: days.sort().at(-1) })),
    );
  });

  test('each store keeps its currency', async () => {
    const stores = await warehouse.query<{ country: string; currencies: string[] }>(
      'select country, array_agg(distinct currency) as currencies from pos.dim_store group by country order by country',
    );
    assert.deepEqual(stores, [
      { country: 'CA', currencies: ['CAD'] },
      { country: 'US', currencies: ['USD'] },
    ]);
  });

  test('tax-collected equals the sum of the components computed here; every report equals its reference over the facts', async () => {
    const report = findReport('tax-collected');
    assert.ok(report);
    assert.deepEqual((await runReport(warehouse, report)).rows, taxCollected(landed));
    for (const name of ['tax-collected', 'sales-by-province']) {
      const definition = findReport(name);
      assert.ok(definition);
      for (const filter of [
        [null, null, null],
        [20260328, 20260331, null],
        [null, null, 'STORE003'],
        [null, null, 'S001'],
      ]) {
        assert.deepEqual(await warehouse.query(definition.sql, filter), await warehouse.query(definition.factSql, filter), name);
      }
    }
    const provinces = await runReport(warehouse, findReport('sales-by-province') as NonNullable<ReturnType<typeof findReport>>);
    const quebec = provinces.rows.find((row) => row.region === 'Quebec');
    const quebecMessages = v2.filter((message) => message.store.region === 'Quebec');
    assert.deepEqual(quebec, {
      country: 'CA',
      region: 'Quebec',
      currency: 'CAD',
      stores: 1,
      transactions: quebecMessages.length,
      net_sales: money(quebecMessages.reduce((sum, m) => sum + units(m.subtotal, 2), 0n)),
      tax: money(quebecMessages.reduce((sum, m) => sum + units(m.tax_total, 2), 0n)),
      total: money(quebecMessages.reduce((sum, m) => sum + units(m.total, 2), 0n)),
    });
  });

  test('the aggregates equal the facts, and pos db verify passes', async () => {
    for (const aggregate of AGGREGATES) assert.equal(await aggregateDifferences(warehouse, aggregate, 0), 0, aggregate.table);
    const failed = (await verifyWarehouse(warehouse)).filter((check) => check.violations !== 0);
    assert.deepEqual(failed, []);
  });

  test('a replay of v1 and v2 messages adds nothing', async () => {
    const before = await snapshot(warehouse);
    const replay = await writeTransactions(warehouse, [...v2.slice(0, 25), ...v1.slice(0, 25)]);
    assert.deepEqual([replay.landed, replay.duplicates, replay.rejected.length], [0, 50, 0]);
    assert.deepEqual(await snapshot(warehouse), before);
  });

  test('a message PostgreSQL refuses in its components is found by halving: none of its rows land, the rest do with theirs', async () => {
    const fresh = v2.slice(0, 8).map((message, i) => ({
      ...message,
      transaction_id: `c0000000-0000-4000-8000-00000000000${i}`,
      original_transaction_id: null,
      type: 'sale' as const,
    }));
    const sales = fresh.filter((message) => message.items.some((item) => item.taxes.length > 0) && units(message.total, 2) > 0n);
    const refused = sales[0];
    assert.ok(refused && sales.length >= 2);
    await warehouse.query(
      `alter table pos.fact_line_tax add constraint test_refused_component check (transaction_id <> '${refused.transaction_id}')`,
    );
    let result: BatchResult;
    try {
      result = await writeTransactions(warehouse, sales);
    } finally {
      await warehouse.query('alter table pos.fact_line_tax drop constraint test_refused_component');
    }
    assert.deepEqual(
      result.rejected.map((rejection) => [rejection.code, rejection.transactionId]),
      [['database', refused.transaction_id]],
    );
    assert.equal(result.landed, sales.length - 1);
    const [counts] = await warehouse.query<{ refused: number; others: number }>(
      `select (select count(*) from pos.fact_transaction where transaction_id = $1)::int
                + (select count(*) from pos.fact_sales_line where transaction_id = $1)::int as refused,
              (select count(*) from pos.fact_line_tax where transaction_id = any($2::uuid[]))::int as others`,
      [refused.transaction_id, sales.slice(1).map((message) => message.transaction_id)],
    );
    assert.deepEqual(counts, { refused: 0, others: sales.slice(1).flatMap(expectedComponents).length });
    landed.push(...sales.slice(1));
  });

  test('pos db verify catches a component that does not add up to its line, a line tax that does not add up to its transaction, a stray component', async () => {
    const [target] = await warehouse.query<{ transaction_id: string; line_no: number; tax_key: number }>(
      `select x.transaction_id, x.line_no, x.tax_key from pos.fact_line_tax x join pos.dim_tax d using (tax_key)
        where d.code = 'QST' limit 1`,
    );
    assert.ok(target);
    const where = 'transaction_id = $1 and line_no = $2 and tax_key = $3';
    const key = [target.transaction_id, target.line_no, target.tax_key];
    const failing = async () =>
      Object.fromEntries(
        (await verifyWarehouse(warehouse))
          .filter((check) => check.violations !== 0)
          .map((check) => [check.name, check.violations]),
      );
    await warehouse.query(`update pos.fact_line_tax set tax = tax + 0.01 where ${where}`, key);
    assert.deepEqual(await failing(), {
      'lines whose tax components do not add up to their tax and tax rate': 1,
      'agg_tax_day rows that differ from the facts': 1,
    });
    await warehouse.query(`update pos.fact_line_tax set tax = tax - 0.01 where ${where}`, key);

    await warehouse.query(
      'update pos.fact_sales_line set tax = tax + 0.01 where transaction_id = $1 and line_no = $2',
      key.slice(0, 2),
    );
    assert.deepEqual(await failing(), {
      'transactions whose lines do not add up to their subtotal, tax and line count': 1,
      'lines whose tax components do not add up to their tax and tax rate': 1,
    });
    await warehouse.query(
      'update pos.fact_sales_line set tax = tax - 0.01 where transaction_id = $1 and line_no = $2',
      key.slice(0, 2),
    );

    await warehouse.query(
      `insert into pos.fact_line_tax (transaction_id, line_no, tax_key, date_key, store_key, taxable, tax)
       select transaction_id, 99, -1, date_key, store_key, taxable, 0.00 from pos.fact_line_tax where ${where}`,
      key,
    );
    const stray = await failing();
    assert.equal(stray['tax components whose tax_key is not in dim_tax'], 1);
    assert.equal(stray["tax components without their line, or whose store, date or taxable amount differ from their line's"], 1);
    await warehouse.query('delete from pos.fact_line_tax where line_no = 99');
    assert.deepEqual(await failing(), {});
  });

  test('pos db prune removes the components with their facts and keeps agg_tax_day; a v2 message dated before is refused', async () => {
    const collected = await runReport(warehouse, findReport('tax-collected') as NonNullable<ReturnType<typeof findReport>>);
    await pruneFacts(warehouse, { before: '2026-03-30' });
    const [left] = await warehouse.query<{ stray: number; before: number }>(
      `select (select count(*) from pos.fact_line_tax x
                where not exists (select 1 from pos.fact_transaction f where f.transaction_id = x.transaction_id))::int as stray,
              (select count(*) from pos.fact_line_tax where date_key < 20260330)::int as before`,
    );
    assert.deepEqual(left, { stray: 0, before: 0 });
    assert.deepEqual(
      (await runReport(warehouse, findReport('tax-collected') as NonNullable<ReturnType<typeof findReport>>)).rows,
      collected.rows,
    );
    const old = v2.find((message) => message.occurred_at < '2026-03-29' && message.items.some((item) => item.taxes.length > 0));
    assert.ok(old);
    const before = await snapshot(warehouse);
    const refused = await writeTransactions(warehouse, [{ ...old, transaction_id: 'd0000000-0000-4000-8000-000000000001' }]);
    assert.deepEqual(
      refused.rejected.map((rejection) => rejection.code),
      ['pruned'],
    );
    const after = await snapshot(warehouse);
    for (const table of ['fact_line_tax', 'dim_tax', 'agg_tax_day']) assert.equal(after[table], before[table], table);
    const failed = (await verifyWarehouse(warehouse)).filter((check) => check.violations !== 0);
    assert.deepEqual(failed, []);
  });
});

/** A rate as dim_tax prints it: 6 places. */
function rateText6(rate: string): string {
  return `0.${String(units(rate, 6)).padStart(6, '0')}`;
}
