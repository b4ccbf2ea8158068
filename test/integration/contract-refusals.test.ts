import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { TransactionMessage } from '../../src/contract/message.ts';
import { decodeTransaction } from '../../src/contract/validate.ts';
import { type IncomingRecord, writeBatchIsolatingRefusals } from '../../src/ingest/write.ts';
import type { Warehouse } from '../../src/warehouse/database.ts';
import { validSale } from '../fixtures/messages.ts';
import { backfillLines } from '../fixtures/simulated.ts';
import { uniqueName } from './support/environment.ts';
import { migratedEmbeddedWarehouse, migratedWarehouse } from './support/warehouse.ts';

/** The warehouse, counting the database transactions the write path opens: one per attempt at a batch. */
function countingTransactions(warehouse: Warehouse): { warehouse: Warehouse; transactions(): number } {
  let count = 0;
  const counting: Warehouse = Object.create(warehouse);
  counting.transaction = (work) => {
    count++;
    return warehouse.transaction(work);
  };
  return { warehouse: counting, transactions: () => count };
}

const saleWith = (id: string, change: (message: TransactionMessage) => void): Buffer => {
  const message = {
    ...validSale(),
    transaction_id: id,
    store: { ...validSale().store },
    items: structuredClone(validSale().items),
  };
  change(message);
  return Buffer.from(JSON.stringify(message));
};

for (const kind of ['server', 'embedded'] as const)
  describe(`what the contract refuses is a dead letter before PostgreSQL sees it, on the ${kind} database`, () => {
    let warehouse: Warehouse;
    let close: () => Promise<void>;

    before(async () => {
      ({ warehouse, close } = kind === 'server' ? await migratedWarehouse() : await migratedEmbeddedWarehouse());
    });
    after(() => close());

    const records = (topic: string, values: Buffer[]): IncomingRecord[] =>
      values.map((value, offset) => ({
        key: Buffer.from('S001'),
        value,
        source: { topic, partition: 0, offset: BigInt(offset) },
        verdict: decodeTransaction(value),
      }));

    test('NUL in a name, a wrong UTC offset or an unknown zone: schema dead letters, the batch written in one transaction', async () => {
      const topic = uniqueName('refusals');
      const valid = await backfillLines({ seed: 31, count: 8 });
      const refused = [
        saleWith('c0000000-0000-4000-8000-000000000001', (m) => Object.assign(m.store, { name: 'Buffalo\u0000Market' })),
        saleWith('c0000000-0000-4000-8000-000000000002', (m) =>
          Object.assign(m.items[1] as object, { name: 'Paper\u0000Towels' }),
        ),
        // Summer time's offset in March, before New York changes.
        saleWith('c0000000-0000-4000-8000-000000000003', (m) =>
          Object.assign(m, { occurred_at: '2026-03-06T12:31:05.120-04:00' }),
        ),
        saleWith('c0000000-0000-4000-8000-000000000004', (m) => Object.assign(m.store, { timezone: 'America/Buffalo' })),
        // Not JSON at all, with a raw NUL that V8's error message quotes.
        Buffer.from('{"transaction_id":\u0000}'),
      ];
      const values = [...valid.slice(0, 3), ...refused.slice(0, 2), ...valid.slice(3), ...refused.slice(2)];
      const counted = countingTransactions(warehouse);

      const result = await writeBatchIsolatingRefusals(counted.warehouse, records(topic, values), {
        consumerGroup: uniqueName('group'),
        topic,
      });

      assert.equal(counted.transactions(), 1, 'one write transaction: no batch halving');
      assert.equal(result.landed, 8);
      assert.deepEqual(
        result.rejected.map((rejection) => [Number(rejection.source?.offset), rejection.code]),
        [
          [3, 'schema'],
          [4, 'schema'],
          [10, 'schema'],
          [11, 'schema'],
          [12, 'invalid_json'],
        ],
      );
      const letters = await warehouse.query<{ offset: string; error_code: string; error_detail: string; raw_value: Buffer }>(
        'select "offset"::text as "offset", error_code, error_detail, raw_value from pos.dead_letter d where topic = $1 order by d."offset"',
        [topic],
      );
      assert.deepEqual(
        letters.map((letter) => [letter.offset, letter.error_code]),
        [
          ['3', 'schema'],
          ['4', 'schema'],
          ['10', 'schema'],
          ['11', 'schema'],
          ['12', 'invalid_json'],
        ],
      );
      assert.match(letters[0]?.error_detail ?? '', /^\/store\/name contains U\+0000 at character 8;/);
      assert.match(letters[1]?.error_detail ?? '', /^\/items\/1\/name contains U\+0000 at character 6;/);
      assert.match(letters[2]?.error_detail ?? '', /has the offset -04:00, but America\/New_York is at -05:00 at that instant/);
      assert.match(letters[3]?.error_detail ?? '', /^\/store\/timezone "America\/Buffalo" is not a time zone/);
      assert.match(letters[4]?.error_detail ?? '', /\\u0000/);
      assert.deepEqual(
        letters.map((letter) => Buffer.compare(letter.raw_value, values[Number(letter.offset)] as Buffer)),
        [0, 0, 0, 0, 0],
        'the raw bytes are kept',
      );
      const [stores] = await warehouse.query<{ count: string }>(
        "select count(*)::text as count from pos.dim_store where name like 'Buffalo%Market' and name <> 'Buffalo Harbor Market'",
      );
      assert.equal(stores?.count, '0');
    });

    test('the count sees every attempt: a message PostgreSQL itself refuses is still found by halving', async () => {
      const topic = uniqueName('refusals');
      // A rule of this database only, standing for any refusal the contract cannot foresee.
      await warehouse.query("alter table pos.dim_store add constraint test_no_s777 check (store_id <> 'S777')");
      const values = [
        ...(await backfillLines({ seed: 32, count: 3 })),
        saleWith('c0000000-0000-4000-8000-000000000777', (m) => Object.assign(m.store, { store_id: 'S777' })),
      ];
      const counted = countingTransactions(warehouse);
      try {
        const result = await writeBatchIsolatingRefusals(counted.warehouse, records(topic, values));
        assert.equal(result.landed, 3);
        assert.deepEqual(
          result.rejected.map((rejection) => rejection.code),
          ['database'],
        );
      } finally {
        await warehouse.query('alter table pos.dim_store drop constraint test_no_s777');
      }
      // The whole batch, its halves, the half that holds the refused message halved, and its dead letter.
      assert.equal(counted.transactions(), 6);
    });
  });
