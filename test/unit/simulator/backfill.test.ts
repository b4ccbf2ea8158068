import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { before, describe, test } from 'node:test';
import { createCatalog, DEFAULT_CATALOG_SEED, DEFAULT_SIZES } from '../../../src/catalog/catalog.ts';
import { openingHours } from '../../../src/catalog/stores.ts';
import type { TransactionMessage } from '../../../src/contract/message.ts';
import { decodeTransaction } from '../../../src/contract/validate.ts';
import { parseFixed } from '../../../src/domain/money.ts';
import { backfillLines, parse } from '../../fixtures/simulated.ts';

const SEED = 20_260_302;
const COUNT = 20_000;

/** Local wall-clock fields straight from the RFC 3339 text, as an analyst would read them. */
function localTime(message: TransactionMessage) {
  const [date, time] = message.occurred_at.split('T') as [string, string];
  const [hour, minute] = time.split(':').map(Number) as [number, number];
  const isoDay = new Date(`${date}T00:00:00Z`).getUTCDay() || 7;
  return { date, hour, minuteOfDay: hour * 60 + minute, isoDay };
}

const share = (part: number, whole: number) => part / whole;

describe('a seeded backfill of 20,000 transactions', () => {
  let lines: Buffer[];
  let messages: TransactionMessage[];
  let sales: TransactionMessage[];
  let returns: TransactionMessage[];

  before(async () => {
    lines = await backfillLines({ seed: SEED, count: COUNT });
    messages = parse(lines);
    sales = messages.filter((message) => message.type === 'sale');
    returns = messages.filter((message) => message.type === 'return');
  });

  test('transaction ids are UUIDv7 of the moment they occurred: valid UUIDs, ordered by time', () => {
    for (const message of messages) {
      assert.match(message.transaction_id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      const millis = Number.parseInt(message.transaction_id.replace('-', '').slice(0, 12), 16);
      assert.equal(millis, Date.parse(message.occurred_at));
    }
    assert.equal(new Set(messages.map((message) => message.transaction_id)).size, messages.length);
  });

  test('has exactly the count asked for, in time order', () => {
    assert.equal(messages.length, COUNT);
    const instants = messages.map((message) => Date.parse(message.occurred_at));
    assert.ok(instants.every((instant, i) => i === 0 || instant >= (instants[i - 1] as number)));
  });

  test('every message passes the JSON Schema and the arithmetic invariants', () => {
    const failures = lines.map((line) => decodeTransaction(line)).filter((verdict) => !verdict.ok);
    assert.deepEqual(failures.slice(0, 3), []);
  });

  test('spans at least 5 regions, with different time zones and sales-tax rates', () => {
    const regions = new Set(messages.map((message) => message.store.region));
    const zones = new Set(messages.map((message) => message.store.timezone));
    const generalRates = new Set(
      messages.flatMap((message) =>
        message.items.filter((item) => item.category === 'Household').map((item) => `${message.store.region}:${item.tax_rate}`),
      ),
    );
    assert.ok(regions.size >= 5, `regions: ${[...regions]}`);
    assert.ok(zones.size >= 4, `time zones: ${[...zones]}`);
    assert.ok(new Set([...generalRates].map((entry) => entry.split(':')[1])).size >= 4);
  });

  test('groceries are taxed more lightly than general merchandise in the same store', () => {
    for (const message of sales.slice(0, 2000)) {
      const rate = (category: string) => message.items.find((item) => item.category === category)?.tax_rate;
      const grocery = rate('Dairy & Eggs');
      const general = rate('Household');
      if (grocery && general)
        assert.ok(Number(parseFixed(grocery, 4)) < Number(parseFixed(general, 4)) || message.store.region === 'Hawaii');
    }
  });

  test('stores trade only in their opening hours, in their own local time', () => {
    const catalog = createCatalog(DEFAULT_CATALOG_SEED, DEFAULT_SIZES);
    const stores = new Map(catalog.stores.map((store) => [store.storeId, store]));
    for (const message of messages) {
      const store = stores.get(message.store.store_id);
      assert.ok(store, message.store.store_id);
      const local = localTime(message);
      const hours = openingHours(store, local.isoDay);
      assert.ok(local.minuteOfDay >= hours.open && local.minuteOfDay < hours.close, `${message.occurred_at} at ${store.name}`);
    }
  });

  test('the hourly profile has a lunch peak and a bigger evening peak', () => {
    const byHour = new Array(24).fill(0);
    for (const message of messages) byHour[localTime(message).hour]++;
    assert.ok(byHour[12] > byHour[10] && byHour[12] > byHour[15], `lunch: ${byHour}`);
    assert.ok(byHour[18] > byHour[15] && byHour[18] > byHour[21], `evening: ${byHour}`);
    assert.ok(byHour[18] > byHour[12], `evening above lunch: ${byHour}`);
    assert.ok(byHour[3] < byHour[12] / 10, `night is quiet: ${byHour}`);
  });

  test('weekends are busier than midweek', () => {
    const byDay = new Array(8).fill(0);
    for (const message of messages) byDay[localTime(message).isoDay]++;
    // 28 days from a Monday: every weekday occurs four times.
    assert.ok(byDay[6] > byDay[2] * 1.3, `Saturday vs Tuesday: ${byDay}`);
  });

  test('30–40% of sales are anonymous', () => {
    const anonymous = share(sales.filter((sale) => sale.customer === null).length, sales.length);
    assert.ok(anonymous >= 0.3 && anonymous <= 0.4, `anonymous share ${anonymous}`);
  });

  test('baskets average about 4 lines, with a long tail', () => {
    const sizes = sales.map((sale) => sale.items.length);
    const mean = sizes.reduce((a, b) => a + b, 0) / sizes.length;
    assert.ok(mean >= 3.5 && mean <= 4.5, `mean basket ${mean}`);
    assert.ok(Math.max(...sizes) >= 30, `largest basket ${Math.max(...sizes)}`);
    assert.ok(share(sizes.filter((size) => size <= 3).length, sizes.length) > 0.5);
  });

  test('product popularity is Zipf-like: a tenth of the SKUs sold make half the lines', () => {
    const counts = new Map<string, number>();
    for (const sale of sales) for (const item of sale.items) counts.set(item.sku, (counts.get(item.sku) ?? 0) + 1);
    const sorted = [...counts.values()].sort((a, b) => b - a);
    const lines = sorted.reduce((a, b) => a + b, 0);
    const top = sorted.slice(0, Math.ceil(sorted.length / 10)).reduce((a, b) => a + b, 0);
    assert.ok(share(top, lines) > 0.5, `top decile share ${share(top, lines)}`);
  });

  test('cash is likelier for small baskets than for large ones', () => {
    const cashShare = (list: TransactionMessage[]) =>
      share(list.filter((sale) => sale.payment.method === 'cash').length, list.length);
    const total = (sale: TransactionMessage) => Number(parseFixed(sale.total, 2));
    const small = cashShare(sales.filter((sale) => total(sale) < 1000));
    const large = cashShare(sales.filter((sale) => total(sale) > 10_000));
    assert.ok(small > large * 2, `cash: small ${small}, large ${large}`);
  });

  test('about 2% are returns, each of an earlier sale, of its SKUs, in equal or smaller quantities', () => {
    const ratio = share(returns.length, messages.length);
    assert.ok(ratio >= 0.015 && ratio <= 0.025, `return ratio ${ratio}`);
    const seen = new Map<string, TransactionMessage>();
    const returned = new Set<string>();
    for (const message of messages) {
      if (message.type === 'sale') {
        seen.set(message.transaction_id, message);
        continue;
      }
      const sale = seen.get(message.original_transaction_id ?? '');
      assert.ok(sale, `return ${message.transaction_id} refers to no earlier sale`);
      assert.ok(!returned.has(sale.transaction_id), 'a sale is returned at most once');
      returned.add(sale.transaction_id);
      assert.deepEqual(message.customer, sale.customer);
      for (const item of message.items) {
        const sold = sale.items.filter((line) => line.sku === item.sku);
        assert.ok(sold.length > 0, `${item.sku} was not in the sale`);
        const quantity = -Number(parseFixed(item.quantity, 3));
        assert.ok(quantity > 0 && sold.some((line) => quantity <= Number(parseFixed(line.quantity, 3))));
      }
      assert.ok(Number(parseFixed(message.total, 2)) <= 0);
    }
    const elsewhere = returns.filter((ret) => seen.get(ret.original_transaction_id ?? '')?.store.store_id !== ret.store.store_id);
    assert.ok(
      elsewhere.length > 0 && elsewhere.length < returns.length / 2,
      'most returns go back to the same store, some elsewhere',
    );
  });
});

describe('reproducibility', () => {
  const digest = (lines: Buffer[]) => createHash('sha256').update(Buffer.concat(lines)).digest('hex');

  test('the same seed gives the same bytes, made in this thread or in two worker threads', async () => {
    const inline = await backfillLines({ seed: 7, count: 9000, threads: 0 });
    const threaded = await backfillLines({ seed: 7, count: 9000, threads: 2 });
    assert.equal(inline.length, 9000);
    assert.equal(digest(inline), digest(threaded));
  });

  test('another seed gives other data', async () => {
    const first = parse(await backfillLines({ seed: 7, count: 200 }));
    const second = parse(await backfillLines({ seed: 8, count: 200 }));
    assert.notEqual(first[0]?.transaction_id, second[0]?.transaction_id);
    const skus = (messages: TransactionMessage[]) => messages.flatMap((message) => message.items.map((item) => item.sku)).join();
    assert.notEqual(skus(first), skus(second));
  });
});

describe('time zones', () => {
  test('a backfill across both changes of daylight saving time writes every store its own offset, as validation checks', async () => {
    const acrossSpring = await backfillLines({ seed: 11, count: 6000, startDate: '2026-03-05', days: 6 });
    const acrossAutumn = await backfillLines({ seed: 12, count: 6000, startDate: '2026-10-29', days: 6 });
    for (const lines of [acrossSpring, acrossAutumn]) {
      const failures = lines.map((line) => decodeTransaction(line)).filter((verdict) => !verdict.ok);
      assert.deepEqual(failures.slice(0, 3), []);
      const newYork = parse(lines).filter((message) => message.store.timezone === 'America/New_York');
      const offsets = new Set(newYork.map((message) => message.occurred_at.slice(-6)));
      assert.deepEqual([...offsets].sort(), ['-04:00', '-05:00'], 'the run straddles a change');
    }
  });
});
