import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { payloadHash } from '../../src/contract/canonical.ts';
import type { TransactionMessage } from '../../src/contract/message.ts';
import { parseFixed } from '../../src/domain/money.ts';
import { writeTransactions } from '../../src/ingest/write.ts';
import { waitUntil } from '../../src/plumbing/wait.ts';
import type { Warehouse } from '../../src/warehouse/database.ts';
import { validSale } from '../fixtures/messages.ts';
import { backfillLines, parse } from '../fixtures/simulated.ts';
import { migratedEmbeddedWarehouse, migratedWarehouse, snapshot } from './support/warehouse.ts';

const cents = (text: string) => parseFixed(text, 2) as number;
const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

for (const kind of ['server', 'embedded'] as const)
  describe(`writeTransactions: the write path without Kafka, on the ${kind} database`, () => {
    let warehouse: Warehouse;
    let close: () => Promise<void>;
    let messages: TransactionMessage[];

    before(async () => {
      ({ warehouse, close } = kind === 'server' ? await migratedWarehouse() : await migratedEmbeddedWarehouse());
      messages = parse(await backfillLines({ seed: 5, count: 600 }));
    });
    after(() => close());

    test('lands every valid message, with totals equal to the messages', async () => {
      const result = await writeTransactions(warehouse, messages);
      assert.equal(result.landed, 600);
      assert.equal(result.lines, sum(messages.map((message) => message.items.length)));
      assert.deepEqual(result.rejected, []);

      const [facts] = await warehouse.query<{ count: string; total: string; tax: string; lines: string; line_total: string }>(
        `select (select count(*) from pos.fact_transaction)::text as count,
              (select sum(total) from pos.fact_transaction)::text as total,
              (select sum(tax_total) from pos.fact_transaction)::text as tax,
              (select count(*) from pos.fact_sales_line)::text as lines,
              (select sum(line_total) from pos.fact_sales_line)::text as line_total`,
      );
      assert.equal(facts?.count, '600');
      assert.equal(cents(facts?.total ?? ''), sum(messages.map((message) => cents(message.total))));
      assert.equal(cents(facts?.tax ?? ''), sum(messages.map((message) => cents(message.tax_total))));
      assert.equal(Number(facts?.lines), result.lines);
      assert.equal(cents(facts?.line_total ?? ''), sum(messages.map((message) => cents(message.subtotal))));
    });

    test('maps each message onto the star: local date and hour, dimension keys, lines', async () => {
      const message = messages[0] as TransactionMessage;
      const [row] = await warehouse.query<Record<string, string | number | null>>(
        `select f.type, f.date_key, f.local_hour, s.store_id, s.timezone, c.customer_id, m.method, m.card_brand,
              f.subtotal::text, f.line_count, d.day_name, d.is_weekend, d.iso_day_of_week
         from pos.fact_transaction f
         join pos.dim_store s using (store_key)
         join pos.dim_payment_method m using (payment_method_key)
         join pos.dim_date d using (date_key)
         left join pos.dim_customer c using (customer_key)
        where f.transaction_id = $1`,
        [message.transaction_id],
      );
      const localDate = message.occurred_at.slice(0, 10);
      const weekday = new Date(`${localDate}T00:00:00Z`).getUTCDay() || 7;
      assert.deepEqual(row, {
        type: message.type,
        date_key: Number(localDate.replaceAll('-', '')),
        local_hour: Number(message.occurred_at.slice(11, 13)),
        store_id: message.store.store_id,
        timezone: message.store.timezone,
        customer_id: message.customer?.customer_id ?? null,
        method: message.payment.method,
        card_brand: message.payment.card_brand,
        subtotal: message.subtotal,
        line_count: message.items.length,
        day_name: new Date(`${localDate}T00:00:00Z`).toLocaleDateString('en-US', { weekday: 'long', timeZone: 'UTC' }),
        is_weekend: weekday >= 6,
        iso_day_of_week: weekday,
      });
      const lines = await warehouse.query<{ line_no: number; sku: string; quantity: string; line_total: string }>(
        `select l.line_no, p.sku, l.quantity::text, l.line_total::text
         from pos.fact_sales_line l join pos.dim_product p using (product_key)
        where l.transaction_id = $1 order by l.line_no`,
        [message.transaction_id],
      );
      assert.deepEqual(
        lines.map((line) => [line.line_no, line.sku, Number(parseFixed(line.quantity, 3)), line.line_total]),
        message.items.map((item) => [item.line_no, item.sku, Number(parseFixed(item.quantity, 3)), item.line_total]),
      );
    });

    test('writing the same messages again is a silent no-op', async () => {
      const before = await snapshot(warehouse);
      const result = await writeTransactions(warehouse, messages);
      assert.deepEqual(
        { landed: result.landed, duplicates: result.duplicates, rejected: result.rejected.length },
        { landed: 0, duplicates: 600, rejected: 0 },
      );
      assert.deepEqual(await snapshot(warehouse), before);
    });

    test('a known id with other content is a conflict dead letter, and the stored transaction is kept', async () => {
      const original = messages[1] as TransactionMessage;
      const altered = { ...original, register_id: `${original.register_id}-X` };
      const result = await writeTransactions(warehouse, [altered]);
      assert.equal(result.landed, 0);
      assert.deepEqual(
        result.rejected.map((rejection) => [rejection.code, rejection.transactionId]),
        [['conflict', original.transaction_id]],
      );
      const [stored] = await warehouse.query<{ register_id: string }>(
        'select register_id from pos.fact_transaction where transaction_id = $1',
        [original.transaction_id],
      );
      assert.equal(stored?.register_id, original.register_id);
      const [letter] = await warehouse.query<{ error_code: string; raw_value: Uint8Array }>(
        "select error_code, raw_value from pos.dead_letter where error_code = 'conflict'",
      );
      assert.deepEqual(JSON.parse(Buffer.from(letter?.raw_value ?? []).toString()), altered);
    });

    test('invalid messages are dead-lettered with their reason; the valid ones beside them land', async () => {
      const good = { ...validSale(), transaction_id: '7d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6' };
      const badTotal = { ...validSale(), transaction_id: '8e1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6', total: '1.00' };
      const result = await writeTransactions(warehouse, [badTotal, good, { hello: 'world' }, { ...good, schema_version: 3 }]);
      assert.equal(result.landed, 1);
      assert.deepEqual(
        result.rejected.map((rejection) => rejection.code),
        ['arithmetic', 'schema', 'unknown_version'],
      );
    });

    test('a message PostgreSQL refuses is found by halving the batch and dead-lettered; the rest lands', async () => {
      // A rule of this database only, standing for any refusal the contract cannot foresee.
      await warehouse.query("alter table pos.dim_store add constraint test_no_closed_store check (store_id <> 'S666')");
      const refused = {
        ...validSale(),
        transaction_id: 'b0000000-0000-4000-8000-000000000666',
        store: { ...validSale().store, store_id: 'S666' },
      };
      const others = Array.from({ length: 7 }, (_, i) => ({
        ...validSale(),
        transaction_id: `b0000000-0000-4000-8000-00000000000${i}`,
      }));
      const result = await writeTransactions(warehouse, [...others.slice(0, 3), refused, ...others.slice(3)]);
      await warehouse.query('alter table pos.dim_store drop constraint test_no_closed_store');
      assert.equal(result.landed, 7);
      assert.deepEqual(
        result.rejected.map((rejection) => rejection.code),
        ['database'],
      );
      assert.match(result.rejected[0]?.detail ?? '', /test_no_closed_store/);
    });

    test('a dimension keeps the attributes of its newest event: an older one never overwrites them', async () => {
      const store = (name: string, at: string, id: string) => ({
        ...validSale(),
        transaction_id: id,
        occurred_at: at,
        store: { ...validSale().store, store_id: 'S900', name },
      });
      await writeTransactions(warehouse, [
        store('Renamed Market', '2026-05-02T10:00:00.000-04:00', 'a0000000-0000-4000-8000-000000000001'),
      ]);
      await writeTransactions(warehouse, [
        store('Old Name Market', '2026-05-01T10:00:00.000-04:00', 'a0000000-0000-4000-8000-000000000002'),
      ]);
      const name = async () =>
        (await warehouse.query<{ name: string }>("select name from pos.dim_store where store_id = 'S900'"))[0]?.name;
      assert.equal(await name(), 'Renamed Market');
      await writeTransactions(warehouse, [
        store('Newest Market', '2026-05-03T10:00:00.000-04:00', 'a0000000-0000-4000-8000-000000000003'),
      ]);
      assert.equal(await name(), 'Newest Market');

      // A newer event with the same attributes writes nothing: the row (its version, xmin) stays as it was.
      const version = async () =>
        (
          await warehouse.query<{ xmin: string; as_of: string }>(
            "select xmin::text, attributes_as_of::text as as_of from pos.dim_store where store_id = 'S900'",
          )
        )[0];
      const before = await version();
      await writeTransactions(warehouse, [
        store('Newest Market', '2026-05-04T10:00:00.000-04:00', 'a0000000-0000-4000-8000-000000000004'),
      ]);
      assert.deepEqual(await version(), before);
    });
  });

test('a transaction another writer stores while a batch is being copied: the batch leaves it out, sees a replay, and copies the rest', async () => {
  const { warehouse, database, close } = await migratedWarehouse();
  const other = new pg.Client(database.url);
  try {
    const [first, second, third] = parse(await backfillLines({ seed: 6, count: 3 })) as [
      TransactionMessage,
      TransactionMessage,
      TransactionMessage,
    ];
    await writeTransactions(warehouse, [first]);
    // The other writer holds an uncommitted copy of `second` (same content, so the same hash).
    await other.connect();
    await other.query('begin');
    await other.query(
      `insert into pos.fact_transaction
       select $1::uuid, type, null, occurred_at, date_key, local_hour, store_key, register_id, cashier_id, customer_key,
              payment_method_key, currency, subtotal, discount_total, tax_total, total, line_count, null, null, null, now(),
              decode($2, 'hex')
         from pos.fact_transaction limit 1`,
      [second.transaction_id, payloadHash(second).toString('hex')],
    );
    // Our batch (with `first` again, a replay) is copied whole, meets `first`, and is written the
    // long way: what is stored is looked up (`second` is not visible yet), the rest copied, and
    // the copy waits on the other writer's row.
    const writing = writeTransactions(warehouse, [first, second, third]);
    await waitUntil(
      async () =>
        (
          await other.query<{ waiting: number }>(
            "select count(*)::int as waiting from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'",
          )
        ).rows[0]?.waiting === 1,
      { what: 'the batch to wait on the other writer', timeoutMs: 10_000 },
    );
    await other.query('commit');
    const result = await writing;
    assert.deepEqual(
      { landed: result.landed, duplicates: result.duplicates, rejected: result.rejected },
      { landed: 1, duplicates: 2, rejected: [] },
    );
    const [stored] = await warehouse.query<{ count: number }>(
      'select count(*)::int as count from pos.fact_sales_line where transaction_id = $1',
      [third.transaction_id],
    );
    assert.equal(stored?.count, third.items.length);
  } finally {
    await other.end();
    await close();
  }
});
