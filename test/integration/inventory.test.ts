import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { INVENTORY_SCHEMA_NAME, type InventoryEvent } from '../../src/contract/inventory.ts';
import type { AnyTransactionMessage } from '../../src/contract/message.ts';
import { parseFixed } from '../../src/domain/money.ts';
import { ensureTopics } from '../../src/kafka/admin.ts';
import { waitUntil } from '../../src/plumbing/wait.ts';
import { simulate } from '../../src/simulator/run.ts';
import { KafkaSink } from '../../src/simulator/sinks.ts';
import type { Warehouse } from '../../src/warehouse/database.ts';
import { runCli, startCli, type TestDatabase, testBrokers, testKafka, uniqueName } from './support/environment.ts';
import { offsetsTotal } from './support/ingest.ts';
import { consumeAll, produceValues } from './support/topics.ts';
import { emptyFacts, migratedWarehouse } from './support/warehouse.ts';

/** Slots of a 30-day backfill of the default chain's 25 stores. */
const SLOTS = 12_000;
const PARTITIONS = 4;

/** Quantities in thousandths of a unit, exact. */
const thousandths = (text: string) => parseFixed(text, 3) as number;

/** Stock per `store_id|sku` that the messages alone give: every inventory line, less every sales line. */
function expectedStock(sales: readonly AnyTransactionMessage[], inventory: readonly InventoryEvent[]): Map<string, number> {
  const stock = new Map<string, number>();
  const add = (storeId: string, sku: string, quantity: number) => {
    const key = `${storeId}|${sku}`;
    stock.set(key, (stock.get(key) ?? 0) + quantity);
  };
  for (const event of inventory) for (const line of event.lines) add(event.store_id, line.sku, thousandths(line.quantity));
  for (const sale of sales) for (const item of sale.items) add(sale.store.store_id, item.sku, -thousandths(item.quantity));
  for (const [key, quantity] of stock) if (quantity === 0) stock.delete(key);
  return stock;
}

async function warehouseStock(warehouse: Warehouse): Promise<Map<string, number>> {
  const rows = await warehouse.query<{ store_id: string; sku: string; quantity: string }>(
    'select store_id, sku, quantity::text from pos.stock_on_hand where quantity <> 0',
  );
  return new Map(rows.map((row) => [`${row.store_id}|${row.sku}`, thousandths(row.quantity)]));
}

async function count(warehouse: Warehouse, table: string): Promise<number> {
  const [row] = await warehouse.query<{ count: string }>(`select count(*)::text as count from ${table}`);
  return Number(row?.count);
}

describe('inventory: stock that sales, returns, deliveries and counts move, exactly once', () => {
  let database: TestDatabase;
  let warehouse: Warehouse;
  let close: () => Promise<void>;
  const topic = uniqueName('stock');
  const inventoryTopic = `${topic}.Inventory`;
  let sales: AnyTransactionMessage[];
  let inventory: InventoryEvent[];
  let lost: { storeId: string; sku: string; quantity: string }[];
  const env = () => ({ DATABASE_URL: database.url, KAFKA_BROKERS: testBrokers().join(',') });

  before(async () => {
    ({ database, warehouse, close } = await migratedWarehouse());
    const open = (name: string, schema?: string) =>
      KafkaSink.open({
        kafka: testKafka(),
        external: true,
        topic: name,
        createPartitions: PARTITIONS,
        ...(schema ? { schema } : {}),
      });
    const [sink, inventorySink] = await Promise.all([open(topic), open(inventoryTopic, INVENTORY_SCHEMA_NAME)]);
    const result = await simulate({
      seed: 24,
      sizes: { stores: 25, products: 300, customers: 2_000 },
      mode: { kind: 'backfill', count: SLOTS, startDate: '2026-03-01', days: 30 },
      sink,
      stock: true,
      inventorySink,
    });
    assert.ok(result.stock, 'the run kept stock');
    lost = result.stock.lost;
    const [salesRecords, inventoryRecords] = await Promise.all([
      consumeAll(testBrokers(), topic, result.sent),
      consumeAll(testBrokers(), inventoryTopic, result.stock.events),
    ]);
    sales = salesRecords.map((record) => JSON.parse(record.value.toString()) as AnyTransactionMessage);
    inventory = inventoryRecords.map((record) => JSON.parse(record.value.toString()) as InventoryEvent);
    assert.equal(sales.length, result.sent);
    assert.equal(inventory.length, result.stock.events);
  });
  after(() => close());

  /** The warehouse holds exactly the stock, events and movements the messages give, and verifies. */
  async function assertExact(group: string): Promise<void> {
    const expected = expectedStock(sales, inventory);
    const stored = await warehouseStock(warehouse);
    assert.equal(stored.size, expected.size, 'store and product pairs with stock');
    assert.deepEqual(stored, expected);
    for (const [key, quantity] of stored) assert.ok(quantity >= 0, `stock of ${key} is ${quantity / 1000}`);
    assert.equal(await count(warehouse, 'pos.inventory_event'), inventory.length);
    assert.equal(
      await count(warehouse, 'pos.fact_inventory_movement'),
      inventory.reduce((sum, event) => sum + event.lines.length, 0),
    );
    assert.equal(await count(warehouse, 'pos.fact_transaction'), sales.length);
    assert.equal(await offsetsTotal(warehouse, `${group}.inventory`), inventory.length);
    const verified = await runCli(['db', 'verify'], { env: env() });
    assert.equal(verified.code, 0, verified.stdout + verified.stderr);
  }

  test('the simulation sells out sometimes, and every deliveries and counts kind is there', () => {
    assert.ok(lost.length > 0, 'some sales were lost to empty shelves');
    const reasons = new Set(inventory.map((event) => event.reason));
    for (const reason of ['opening', 'delivery', 'count']) assert.ok(reasons.has(reason as InventoryEvent['reason']), reason);
    for (const [key, quantity] of expectedStock(sales, inventory)) assert.ok(quantity >= 0, `${key} goes negative`);
  });

  test('kill -9 of pos consume three times while it reads both topics, then a final run: stock and movements exact', {
    timeout: 300_000,
  }, async () => {
    const group = uniqueName('stock-crash');
    const lines = sales.reduce((sum, sale) => sum + sale.items.length, 0);
    for (const share of [0.2, 0.45, 0.7]) {
      const running = startCli(['consume', '--topic', topic, '--group', group, '--batch-size', '500'], { env: env() });
      const moment = Math.round(share * lines);
      await waitUntil(async () => (await count(warehouse, 'pos.fact_sales_line')) >= moment, {
        what: `${moment} lines landed`,
        timeoutMs: 120_000,
      });
      running.child.kill('SIGKILL');
      assert.equal((await running.result).code, null, 'killed, not exited');
    }
    const result = await runCli(['consume', '--topic', topic, '--group', group, '--until-idle', '5s'], { env: env() });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /Inventory: read [\d,]+ messages/);
    await assertExact(group);

    // Every store and product that lost a sale had run out: the stockouts report has it, or it ran
    // out at the warehouse's last moment (the report's end) and is out of stock still.
    const stockouts = await runCli(
      ['report', 'stockouts', '--format', 'csv', '--from', '2026-03-01', '--to', '2026-04-30', '--limit', '1000000'],
      { env: env() },
    );
    assert.equal(stockouts.code, 0, stockouts.stderr);
    const reported = new Set(
      stockouts.stdout
        .split(/\r?\n/)
        .slice(1)
        .map((row) => row.split(',').slice(0, 2).join('|')),
    );
    const stock = await warehouseStock(warehouse);
    const key = ({ storeId, sku }: { storeId: string; sku: string }) => `${storeId}|${sku}`;
    const notReported = lost.filter((pair) => !reported.has(key(pair)));
    assert.deepEqual(
      notReported.filter((pair) => stock.has(key(pair))),
      [],
      'a pair that lost a sale and is not reported is out of stock at the end',
    );
    assert.ok(notReported.length <= lost.length * 0.05, `${notReported.length} of ${lost.length} pairs ran out at the very end`);
  });

  test('two pos consume processes in one group on both topics end exact', { timeout: 300_000 }, async () => {
    await emptyFacts(warehouse, ['pos.ingest_offset', 'pos.inventory_event', 'pos.fact_inventory_movement']);
    const group = uniqueName('stock-pair');
    const args = ['consume', '--topic', topic, '--group', group, '--batch-size', '500', '--until-idle', '5s'];
    const [first, second] = await Promise.all([runCli(args, { env: env() }), runCli(args, { env: env() })]);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(second.code, 0, second.stderr);
    await assertExact(group);
  });

  test('invalid inventory messages become dead letters with their reason; the valid one lands once', {
    timeout: 120_000,
  }, async () => {
    const badTopic = uniqueName('stock-bad');
    const valid = inventory.find((event) => event.reason === 'delivery') as InventoryEvent;
    const conflicting = { ...valid, reference: 'PO-other' };
    const wrongSign = {
      ...valid,
      event_id: '019a0000-0000-7000-8000-000000000001',
      lines: [{ ...valid.lines[0], quantity: '-3' }],
    };
    const values = [
      Buffer.from(JSON.stringify(valid)),
      Buffer.from('{"schema_version":1,"event_id":'),
      Buffer.from(JSON.stringify({ ...valid, schema_version: 7 })),
      Buffer.from(JSON.stringify(wrongSign)),
      Buffer.from(JSON.stringify(conflicting)),
      Buffer.from(JSON.stringify(valid)),
    ];
    await ensureTopics(testKafka(), [
      { name: badTopic, partitions: 1 },
      { name: `${badTopic}.Inventory`, partitions: 1 },
    ]);
    await produceValues(
      `${badTopic}.Inventory`,
      values.map((value) => ({ partition: 0, value })),
    );
    const before = await count(warehouse, 'pos.inventory_event');
    const result = await runCli(['consume', '--topic', badTopic, '--group', uniqueName('stock-bad'), '--until-idle', '3s'], {
      env: env(),
    });
    assert.equal(result.code, 0, result.stderr);
    const letters = await warehouse.query<{ error_code: string; offset: string }>(
      'select error_code, "offset"::text from pos.dead_letter where topic = $1 order by "offset"',
      [`${badTopic}.Inventory`],
    );
    // The first copy is stored already (it landed in the earlier tests or here), so the conflict is refused either way.
    assert.deepEqual(
      letters.map((letter) => [letter.offset, letter.error_code]),
      [
        ['1', 'invalid_json'],
        ['2', 'unknown_version'],
        ['3', 'schema'],
        ['4', 'conflict'],
      ],
    );
    assert.equal(await count(warehouse, 'pos.inventory_event'), before);
    await waitUntil(async () => (await consumeAll(testBrokers(), `${badTopic}.Inventory.DLQ`, 4, 5_000)).length === 4, {
      what: 'the four letters published to the DLQ topic',
      timeoutMs: 30_000,
    });
  });
});
