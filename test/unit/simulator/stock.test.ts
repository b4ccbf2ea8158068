import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type CatalogSizes, createCatalog, DEFAULT_SIZES } from '../../../src/catalog/catalog.ts';
import type { ChainName } from '../../../src/catalog/chains.ts';
import { type InventoryEvent, MAX_INVENTORY_LINES, validateInventoryEvent } from '../../../src/contract/inventory.ts';
import type { AnyTransactionMessage } from '../../../src/contract/message.ts';
import { decodeTransaction } from '../../../src/contract/validate.ts';
import { parseFixed } from '../../../src/domain/money.ts';
import { ConfigError } from '../../../src/plumbing/errors.ts';
import { Random } from '../../../src/plumbing/random.ts';
import { inventoryMessage, MAX_EVENT_LINES } from '../../../src/simulator/inventory-events.ts';
import { type SimulationOptions, type SimulationResult, simulate } from '../../../src/simulator/run.ts';
import { backfillSchedule, TradingPattern } from '../../../src/simulator/schedule.ts';
import { Simulator } from '../../../src/simulator/simulator.ts';
import type { MessageSink, SinkStats } from '../../../src/simulator/sinks.ts';
import { PROTOTYPE_OPENING_STOCK, Stock } from '../../../src/simulator/stock.ts';

const POS = fileURLToPath(new URL('../../../bin/pos.js', import.meta.url));

/** Quantities in thousandths of a unit, exact. */
const thousandths = (text: string) => parseFixed(text, 3) as number;

interface Logged {
  topic: 'sales' | 'inventory';
  key: string;
  value: Buffer;
}

/** A sink that appends to a log shared with the other one: the order the two streams were written in. */
function loggingSink(topic: Logged['topic'], log: Logged[]): MessageSink {
  const stats: SinkStats = { sent: 0, failed: 0, retried: 0, bytes: 0 };
  return {
    stats,
    write(key, value) {
      log.push({ topic, key, value: Buffer.from(value) });
      stats.sent++;
      stats.bytes += value.length;
      return undefined;
    },
    close: async () => stats,
  };
}

interface StockedRun {
  result: SimulationResult;
  log: Logged[];
  sales: Buffer;
  inventory: Buffer;
}

/** A run with stock, both streams recorded in the order they were written. */
async function stockedRun(options: {
  seed: number;
  mode: SimulationOptions['mode'];
  sizes?: CatalogSizes;
  chain?: ChainName;
}): Promise<StockedRun> {
  const log: Logged[] = [];
  const result = await simulate({
    seed: options.seed,
    sizes: options.sizes ?? DEFAULT_SIZES,
    ...(options.chain ? { chain: options.chain } : {}),
    mode: options.mode,
    sink: loggingSink('sales', log),
    stock: true,
    inventorySink: loggingSink('inventory', log),
    threads: 3,
  });
  const stream = (topic: Logged['topic']) =>
    Buffer.concat(log.filter((entry) => entry.topic === topic).flatMap((entry) => [entry.value, Buffer.from('\n')]));
  return { result, log, sales: stream('sales'), inventory: stream('inventory') };
}

type Parsed = { topic: 'sales'; message: AnyTransactionMessage } | { topic: 'inventory'; message: InventoryEvent };

const parsed = (log: Logged[]): Parsed[] =>
  log.map((entry) => ({ topic: entry.topic, message: JSON.parse(entry.value.toString()) }) as Parsed);

/** Movements of one message per `store_id|sku`, in thousandths, signed as the stock moves. */
function movements(entry: Parsed): [string, number][] {
  if (entry.topic === 'inventory') {
    return entry.message.lines.map((line) => [`${entry.message.store_id}|${line.sku}`, thousandths(line.quantity)]);
  }
  return entry.message.items.map((item) => [`${entry.message.store.store_id}|${item.sku}`, -thousandths(item.quantity)]);
}

describe('stock in a 30-day backfill of the default chain (12,000 slots)', () => {
  let run: StockedRun;
  let log: Parsed[];

  before(async () => {
    run = await stockedRun({ seed: 24, mode: { kind: 'backfill', count: 12_000, startDate: '2026-03-01', days: 30 } });
    log = parsed(run.log);
  });

  test('is the same, byte for byte, for the same seed: the sales and the inventory messages', async () => {
    const again = await stockedRun({ seed: 24, mode: { kind: 'backfill', count: 12_000, startDate: '2026-03-01', days: 30 } });
    assert.ok(run.sales.equals(again.sales), 'the sales');
    assert.ok(run.inventory.equals(again.inventory), 'the inventory messages');
    assert.deepEqual(again.result.stock, run.result.stock);
    const other = await stockedRun({ seed: 25, mode: { kind: 'backfill', count: 2_000, startDate: '2026-03-01', days: 5 } });
    assert.notDeepEqual(other.inventory.subarray(0, 2000), run.inventory.subarray(0, 2000));
  });

  test('every message keeps its contract (the sales re-priced for what the shelves held too), and the run counts them', () => {
    const failures = run.log
      .filter((entry) => entry.topic === 'sales')
      .map((entry) => decodeTransaction(entry.value))
      .filter((verdict) => !verdict.ok);
    assert.deepEqual(failures, []);
    const events = log.filter((entry) => entry.topic === 'inventory');
    assert.equal(events.length, run.result.stock?.events);
    assert.equal(run.result.sent, run.result.made);
    for (const { message } of events) {
      const verdict = validateInventoryEvent(message);
      assert.ok(verdict.ok, verdict.ok ? '' : `${verdict.code}: ${verdict.detail}`);
    }
    const reasons = new Map<string, number>();
    for (const { message } of events) reasons.set(message.reason, (reasons.get(message.reason) ?? 0) + 1);
    assert.equal(reasons.get('opening'), 25, 'one opening per store');
    for (const reason of ['delivery', 'count', 'unsellable_return']) assert.ok((reasons.get(reason) ?? 0) > 0, reason);
  });

  test('opening stock comes first, at local midnight of the first day; deliveries at opening, one purchase order each', () => {
    const opened = new Set<string>();
    const orders = new Map<string, number>();
    for (const entry of log) {
      const storeId = entry.topic === 'sales' ? entry.message.store.store_id : entry.message.store_id;
      if (entry.topic === 'sales') {
        assert.ok(opened.has(storeId), `${storeId} sold before its opening stock`);
        continue;
      }
      const event = entry.message;
      if (event.reason === 'opening') {
        assert.equal(event.type, 'adjustment');
        assert.match(event.occurred_at, /^2026-03-01T00:00:00\.000[+-]\d{2}:\d{2}$/);
        assert.ok(!opened.has(storeId), 'one opening per store');
        opened.add(storeId);
        assert.ok(event.lines.every((line) => thousandths(line.quantity) > 0));
      } else if (event.reason === 'delivery') {
        assert.equal(event.type, 'receipt');
        const number = (orders.get(storeId) ?? 0) + 1;
        orders.set(storeId, number);
        assert.equal(event.reference, `PO-${storeId}-${String(number).padStart(6, '0')}`);
        assert.ok(event.lines.every((line) => thousandths(line.quantity) > 0));
      } else if (event.reason === 'count') {
        assert.equal(event.reference, null);
        assert.ok(event.lines.length >= 1 && event.lines.length <= 4, 'a few differences');
      }
    }
    // Counts and deliveries happen when the store opens: the hours of its format, 00:00 for the 24-hour ones.
    const openingHours = new Set(
      log.flatMap((entry) =>
        entry.topic === 'inventory' && (entry.message.reason === 'delivery' || entry.message.reason === 'count')
          ? [entry.message.occurred_at.slice(11, 23)]
          : [],
      ),
    );
    assert.deepEqual([...openingHours].sort(), ['00:00:00.000', '06:00:00.000', '07:00:00.000', '08:00:00.000', '09:00:00.000']);
  });

  test('a weighed product returned is written off at the same instant, referring to the return', () => {
    const returns = new Map<string, AnyTransactionMessage>();
    for (const entry of log) {
      if (entry.topic === 'sales' && entry.message.type === 'return') returns.set(entry.message.transaction_id, entry.message);
      if (entry.topic !== 'inventory' || entry.message.reason !== 'unsellable_return') continue;
      const event = entry.message;
      const returned = returns.get(event.reference as string);
      assert.ok(returned, 'the return came first');
      assert.equal(event.occurred_at, returned.occurred_at);
      assert.equal(event.store_id, returned.store.store_id);
      const weighed = new Map<string, number>();
      for (const item of returned.items) {
        if (item.unit === 'kg') weighed.set(item.sku, (weighed.get(item.sku) ?? 0) + thousandths(item.quantity));
      }
      assert.deepEqual(new Map(event.lines.map((line) => [line.sku, thousandths(line.quantity)])), weighed);
    }
    const weighedReturns = [...returns.values()].filter((message) => message.items.some((item) => item.unit === 'kg'));
    assert.equal(
      log.filter((entry) => entry.topic === 'inventory' && entry.message.reason === 'unsellable_return').length,
      weighedReturns.length,
    );
  });

  test('each event is written before any sale of its store that comes after it in time', () => {
    const lastSale = new Map<string, number>();
    const lastEvent = new Map<string, number>();
    for (const entry of log) {
      if (entry.topic === 'sales') {
        lastSale.set(entry.message.store.store_id, Date.parse(entry.message.occurred_at));
        continue;
      }
      const at = Date.parse(entry.message.occurred_at);
      const storeId = entry.message.store_id;
      assert.ok(at >= (lastSale.get(storeId) ?? 0), `${storeId}: an event at ${entry.message.occurred_at} after a later sale`);
      assert.ok(at >= (lastEvent.get(storeId) ?? 0), `${storeId}: events out of time order`);
      lastEvent.set(storeId, at);
    }
  });

  test('replayed in order, the messages never take a stock below zero; every product that lost a sale had run out', () => {
    const stock = new Map<string, number>();
    const ranOut = new Set<string>();
    for (const entry of log) {
      for (const [key, quantity] of movements(entry)) {
        const after = (stock.get(key) ?? 0) + quantity;
        assert.ok(after >= 0, `${key} at ${after / 1000}`);
        stock.set(key, after);
        if (after === 0) ranOut.add(key);
      }
    }
    const lost = run.result.stock?.lost ?? [];
    assert.ok(lost.length > 0, 'some sales were lost');
    for (const { storeId, sku, quantity } of lost) {
      assert.ok(thousandths(quantity) > 0);
      assert.ok(ranOut.has(`${storeId}|${sku}`), `${storeId} ${sku} lost ${quantity} but never ran out`);
    }
  });

  test('some sales are lost to empty shelves, under 5% of the units sold', () => {
    let sold = 0;
    for (const entry of log) for (const [, quantity] of movements(entry)) if (entry.topic === 'sales') sold -= quantity;
    const lost = thousandths(run.result.stock?.lostUnits as string);
    const lostSum = (run.result.stock?.lost ?? []).reduce((sum, pair) => sum + thousandths(pair.quantity), 0);
    assert.equal(lost, lostSum);
    assert.ok(lost > 0);
    assert.ok(lost < 0.05 * sold, `lost ${lost / 1000} of ${sold / 1000} units sold`);
    // A basket left empty makes no transaction: a few slots.
    assert.ok(run.result.made < 12_000 && run.result.made > 11_800, `${run.result.made} made`);
  });
});

describe('the stock ledger', () => {
  test('per store and product, opening − sold + returned + received ± adjustments is what the ledger holds', () => {
    const sizes = { stores: 8, products: 400, customers: 500 };
    const catalog = createCatalog(1, sizes, 'canada');
    const pattern = new TradingPattern(catalog);
    const mode = { count: 5_000, startDate: '2026-02-01', days: 21 };
    const stock = new Stock({
      catalog,
      pattern,
      seed: 3,
      transactionsPerDay: mode.count / mode.days,
      opening: { startDate: mode.startDate },
    });
    const simulator = new Simulator(catalog, 3, 0);
    const moved = new Map<string, number>();
    const add = (key: string, quantity: number) => moved.set(key, (moved.get(key) ?? 0) + quantity);
    const take = (at: number) => {
      for (const event of stock.eventsUntil(at)) {
        const message = inventoryMessage(event, pattern.clock(event.store));
        for (const line of message.lines) add(`${event.store.index}|${line.sku}`, thousandths(line.quantity));
      }
    };
    let empty = 0;
    for (const { at, store } of backfillSchedule(pattern, new Random(3, 0x5c4ed), mode)) {
      take(at);
      const transaction = simulator.stockedTransactionAt(at, store, stock);
      if (!transaction) empty++;
      for (const line of transaction?.lines ?? []) add(`${store}|${line.product.sku}`, -line.quantity);
      take(at);
    }
    assert.ok(empty < 50, `${empty} empty baskets`);
    let pairs = 0;
    for (let s = 0; s < sizes.stores; s++) {
      for (let p = 0; p < sizes.products; p++) {
        const product = catalog.products.product(p);
        assert.equal(stock.onHand(s, p), moved.get(`${s}|${product.sku}`) ?? 0, `store ${s} ${product.sku}`);
        assert.ok(stock.onHand(s, p) >= 0);
        pairs++;
      }
    }
    assert.equal(pairs, 3_200);
  });

  test('a line wanting more than there is sells what there is, re-priced, and the rest is lost', () => {
    const catalog = createCatalog(1, { stores: 1, products: 40, customers: 5 }, 'canada');
    const pattern = new TradingPattern(catalog);
    const stock = new Stock({
      catalog,
      pattern,
      seed: 1,
      transactionsPerDay: 10,
      opening: { startAt: Date.UTC(2026, 2, 2, 15) },
    });
    const store = catalog.stores[0];
    assert.ok(store);
    const at = Date.UTC(2026, 2, 2, 16);
    stock.eventsUntil(at);
    const salmon = catalog.products.product(19);
    assert.equal(salmon.name, 'Salmon (1 lb)');
    assert.equal(stock.onHand(0, 19), 10_000, "the prototype's 10 salmon");
    assert.equal(stock.take(store, salmon, 7_000, at), 7_000);
    assert.equal(stock.take(store, salmon, 5_000, at), 3_000);
    assert.equal(stock.take(store, salmon, 1_000, at), 0);
    assert.equal(stock.onHand(0, 19), 0);
    assert.deepEqual(stock.summary().lost, [{ storeId: 'STORE001', sku: 'PROD020', quantity: '3' }]);
    assert.equal(stock.summary().lostUnits, '3.000');
  });

  test("the Canadian chain's five prototype stores open at the prototype's levels; the others by the rule", async () => {
    const run = await stockedRun({
      seed: 4,
      chain: 'canada',
      mode: { kind: 'backfill', count: 3_000, startDate: '2026-03-02', days: 7 },
    });
    const openings = parsed(run.log).flatMap((entry) =>
      entry.topic === 'inventory' && entry.message.reason === 'opening' ? [entry.message] : [],
    );
    const levels = (storeId: string) => {
      const opening = openings.find((event) => event.store_id === storeId) as InventoryEvent;
      return opening.lines.slice(0, 20).map((line) => [line.sku, Number(line.quantity)]);
    };
    const prototype = PROTOTYPE_OPENING_STOCK.map((level, i) => [`PROD${String(i + 1).padStart(3, '0')}`, level]);
    assert.deepEqual(PROTOTYPE_OPENING_STOCK.slice(0, 4), [100, 50, 20, 30]);
    for (const storeId of ['STORE001', 'STORE002', 'STORE003', 'STORE004', 'STORE005'])
      assert.deepEqual(levels(storeId), prototype);
    for (const storeId of ['STORE006', 'STORE007']) assert.notDeepEqual(levels(storeId), prototype);
    // A supercentre (STORE001) holds more of the other products than the express store (STORE005), by the rule.
    const rest = (storeId: string) =>
      (openings.find((event) => event.store_id === storeId) as InventoryEvent).lines
        .slice(20)
        .reduce((sum, line) => sum + thousandths(line.quantity), 0);
    assert.ok(rest('STORE001') > rest('STORE005'));
    // Its sales keep contract v2, lines re-priced for what the shelves held included.
    assert.ok((run.result.stock?.lost.length ?? 0) > 0);
    const refused = run.log.filter((entry) => entry.topic === 'sales' && !decodeTransaction(entry.value).ok);
    assert.deepEqual(refused, []);
  });

  test('real time with stock repeats with the seed and its start: the longer run continues the shorter', async () => {
    const mode = (durationMs: number) =>
      ({ kind: 'realtime', rate: 2_000, speed: 1_728_000, durationMs, startAt: Date.UTC(2026, 0, 5, 12) }) as const;
    const [short, long] = await Promise.all([stockedRun({ seed: 8, mode: mode(250) }), stockedRun({ seed: 8, mode: mode(600) })]);
    const events = (run: StockedRun) => parsed(run.log).filter((entry) => entry.topic === 'inventory');
    assert.ok(
      events(short).some((entry) => entry.topic === 'inventory' && entry.message.reason === 'delivery'),
      'days go by',
    );
    assert.ok(short.sales.length > 0 && short.sales.length < long.sales.length);
    assert.ok(long.sales.subarray(0, short.sales.length).equals(short.sales), 'the sales');
    // The shorter run may end between a slot's transaction and the next events: compare what it wrote.
    assert.ok(long.inventory.subarray(0, short.inventory.length).equals(short.inventory), 'the inventory messages');
  });

  test('events of more lines than a message takes are split; the limit is the contract’s', () => {
    assert.equal(MAX_EVENT_LINES, MAX_INVENTORY_LINES);
    const catalog = createCatalog(1, { stores: 1, products: 10_050, customers: 5 });
    const stock = new Stock({
      catalog,
      pattern: new TradingPattern(catalog),
      seed: 1,
      transactionsPerDay: 100,
      opening: { startDate: '2026-01-01' },
    });
    const openings = stock.eventsUntil(Date.UTC(2026, 0, 1, 12)).filter((event) => event.reason === 'opening');
    assert.deepEqual(
      openings.map((event) => event.lines.length),
      [10_000, 50],
    );
    assert.notEqual(openings[0]?.id, openings[1]?.id);
  });
});

describe('simulate() with stock: its options', () => {
  const sink = () => loggingSink('sales', []);
  const base = {
    seed: 1,
    sizes: { stores: 2, products: 18, customers: 4 },
    mode: { kind: 'backfill', count: 10, startDate: '2026-01-01', days: 1 } as const,
  };

  const refused = (message: RegExp) => (error: unknown) => {
    assert.ok(error instanceof ConfigError, String(error));
    assert.match(error.message, message);
    return true;
  };

  test('an inventory sink without stock is refused, saying why', async () => {
    await assert.rejects(
      simulate({ ...base, sink: sink(), inventorySink: sink() }),
      refused(/^simulate\(\): inventorySink is given, and stock is off \(the default\)\.$/),
    );
    await assert.rejects(
      simulate({ ...base, sink: sink(), stock: 'yes' as unknown as boolean }),
      refused(/^simulate\(\): stock must be true or false, not "yes"\.$/),
    );
  });

  test('too many store and product pairs to keep stock for are refused', async () => {
    await assert.rejects(
      simulate({ ...base, sizes: { stores: 100, products: 30_000, customers: 100 }, sink: sink(), stock: true }),
      refused(
        /stock is kept for each store and product, 2,000,000 pairs at most, and sizes\.stores 100 × sizes\.products 30,000 is 3,000,000/,
      ),
    );
  });

  test('without stock, nothing changes: no stock in the result', async () => {
    const result = await simulate({ ...base, sink: sink() });
    assert.equal(result.stock, undefined);
    assert.equal(result.made, 10);
  });
});

describe('pos simulate with stock', () => {
  const pos = (...args: string[]) => {
    const result = spawnSync(process.execPath, [POS, '--log-level', 'silent', ...args], {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    return { code: result.status, stdout: result.stdout, stderr: result.stderr };
  };

  test('--chain canada keeps stock by default: --inventory-out writes the messages, stderr says how many and what was lost', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'pos-stock-'));
    try {
      const file = join(folder, 'inventory.jsonl');
      const result = pos(
        'simulate',
        '--chain',
        'canada',
        '--count',
        '600',
        '--days',
        '3',
        '--seed',
        '2',
        '--dry-run',
        '--inventory-out',
        file,
      );
      assert.equal(result.code, 0, result.stderr);
      const events = (await readFile(file, 'utf8'))
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line) as InventoryEvent);
      assert.ok(events.length >= 25);
      assert.ok(events.every((event) => validateInventoryEvent(event).ok));
      assert.match(
        result.stderr,
        new RegExp(`^Stock: ${events.length} inventory messages written to .*inventory\\.jsonl; [\\d.,]+ units lost`, 'm'),
      );
      for (const line of result.stdout.trimEnd().split('\n')) assert.equal(JSON.parse(line).schema_version, 2);
      const dropped = pos('simulate', '--chain', 'canada', '--count', '600', '--days', '3', '--seed', '2', '--dry-run');
      assert.equal(dropped.code, 0, dropped.stderr);
      assert.equal(dropped.stdout, result.stdout, 'the same sales, whether the inventory messages are kept');
      assert.match(
        dropped.stderr,
        new RegExp(`^Stock: ${events.length} inventory messages dropped \\(--inventory-out FILE keeps them\\)`, 'm'),
      );
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  test('--no-stock and the US chain make no inventory messages; the flags that need stock are refused without it', () => {
    const canada = pos(
      'simulate',
      '--chain',
      'canada',
      '--no-stock',
      '--count',
      '20',
      '--seed',
      '2',
      '--dry-run',
      '--threads',
      '0',
    );
    assert.equal(canada.code, 0, canada.stderr);
    assert.doesNotMatch(canada.stderr, /Stock:/);
    assert.equal(canada.stdout.trimEnd().split('\n').length, 20);
    const us = pos('simulate', '--count', '5', '--dry-run', '--inventory-out', 'x.jsonl');
    assert.equal(us.code, 2);
    assert.match(
      us.stderr,
      /--inventory-out is for a run with stock, and the us chain runs without stock unless --stock is given\.\nAdd --stock, or leave it out\./,
    );
    const off = pos('simulate', '--chain', 'canada', '--no-stock', '--count', '5', '--dry-run', '--inventory-topic', 'Stock');
    assert.equal(off.code, 2);
    assert.match(
      off.stderr,
      /--inventory-topic is for a run with stock, and --no-stock says there is none\.\nLeave out --inventory-topic or --no-stock\./,
    );
    const live = pos('simulate', '--chain', 'canada', '--count', '5', '--inventory-out', 'x.jsonl');
    assert.equal(live.code, 2);
    assert.match(live.stderr, /--inventory-out is for --dry-run/);
    const help = pos('simulate', '--help');
    assert.match(help.stdout, /--stock\s+keep stock per store and product/);
    assert.match(help.stdout, /--inventory-topic <name>/);
  });
});
