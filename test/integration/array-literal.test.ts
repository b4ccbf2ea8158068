import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { TransactionMessage } from '../../src/contract/message.ts';
import { validateTransaction } from '../../src/contract/validate.ts';
import { writeBatchIsolatingRefusals } from '../../src/ingest/write.ts';
import type { Warehouse } from '../../src/warehouse/database.ts';
import { textArray } from '../../src/warehouse/sql/array-literal.ts';
import { validSale } from '../fixtures/messages.ts';
import { migratedEmbeddedWarehouse, migratedWarehouse } from './support/warehouse.ts';

/** Elements that mean something in an array literal, or look as if they did. */
const AWKWARD = [
  'plain',
  '',
  'NULL',
  'null',
  'a "quoted" word',
  'back\\slash',
  '\\',
  '"',
  'a,b',
  '{braces}',
  ' spaced ',
  'Zoë 東京 🛒',
];

for (const kind of ['server', 'embedded'] as const)
  describe(`text arrays as literals, on the ${kind} database`, () => {
    let warehouse: Warehouse;
    let close: () => Promise<void>;
    before(async () => {
      ({ warehouse, close } = kind === 'server' ? await migratedWarehouse() : await migratedEmbeddedWarehouse());
    });
    after(() => close());

    test('PostgreSQL reads back exactly the elements given, with or without nulls, and the empty array', async () => {
      for (const values of [AWKWARD, ['a\\b', 'ends\\'], ['say "hi"'], ['x', null, 'y'], [null], ['only'], []]) {
        const [row] = await warehouse.query<{ values: (string | null)[] }>('select $1::text[] as values', [textArray(values)]);
        assert.deepEqual(row?.values, values);
      }
    });

    test('members whose attributes hold quotes and backslashes are stored as written', async () => {
      const base = validSale();
      const message: TransactionMessage = {
        ...base,
        store: { ...base.store, name: 'The "Corner" Shop \\ Annex', city: 'a,b {c}' },
      };
      const result = await writeBatchIsolatingRefusals(warehouse, [
        { key: null, value: Buffer.from(JSON.stringify(message)), source: undefined, verdict: validateTransaction(message) },
      ]);
      assert.equal(result.landed, 1);
      const [store] = await warehouse.query<{ name: string; city: string }>(
        'select name, city from pos.dim_store where store_id = $1',
        [message.store.store_id],
      );
      assert.deepEqual(store, { name: message.store.name, city: message.store.city });
    });
  });
