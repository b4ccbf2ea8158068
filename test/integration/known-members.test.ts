import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { TransactionMessage } from '../../src/contract/message.ts';
import { validateTransaction } from '../../src/contract/validate.ts';
import { KnownMembers } from '../../src/ingest/known-members.ts';
import { type IncomingRecord, writeBatchIsolatingRefusals } from '../../src/ingest/write.ts';
import type { Warehouse } from '../../src/warehouse/database.ts';
import { verifyWarehouse } from '../../src/warehouse/verify.ts';
import { validSale } from '../fixtures/messages.ts';
import { migratedEmbeddedWarehouse, migratedWarehouse } from './support/warehouse.ts';

function records(...messages: TransactionMessage[]): IncomingRecord[] {
  return messages.map((message) => ({
    key: null,
    value: Buffer.from(JSON.stringify(message)),
    source: undefined,
    verdict: validateTransaction(message),
  }));
}

/** validSale with another id, and (when given) a store and customer of its own. */
function sale(id: string, members?: { store: string; customer: string }): TransactionMessage {
  const message = { ...validSale(), transaction_id: id };
  if (!members) return message;
  const storeId = members.store;
  return {
    ...message,
    store: { ...message.store, store_id: storeId, name: `Store ${storeId}` },
    register_id: `${storeId}-R02`,
    cashier_id: `${storeId}-E007`,
    customer: { ...(message.customer as NonNullable<TransactionMessage['customer']>), customer_id: members.customer },
  };
}

for (const kind of ['server', 'embedded'] as const)
  describe(`the members a session knows, on the ${kind} database`, () => {
    let warehouse: Warehouse;
    let close: () => Promise<void>;
    before(async () => {
      ({ warehouse, close } = kind === 'server' ? await migratedWarehouse() : await migratedEmbeddedWarehouse());
    });
    after(() => close());

    test('learns keys only from committed batches: members added by a batch that was undone get keys of their own later', async () => {
      const known = new KnownMembers();
      const first = sale('a0000000-0000-4000-8000-00000000000a');
      assert.equal((await writeBatchIsolatingRefusals(warehouse, records(first), undefined, known)).landed, 1);

      // The same id with other content, and members never seen: the copy meets the stored id, so
      // the batch is undone (its new members with it) and written again as a conflict.
      const conflicting = sale(first.transaction_id, { store: 'S777', customer: 'C0777777' });
      const refused = await writeBatchIsolatingRefusals(warehouse, records(conflicting), undefined, known);
      assert.deepEqual(
        refused.rejected.map(({ code }) => code),
        ['conflict'],
      );
      const stores = await warehouse.query("select 1 from pos.dim_store where store_id = 'S777'");
      assert.equal(stores.length, 0, 'the conflicting message added no store');

      // Those members in a valid transaction: they are inserted now, and the facts name their rows.
      const later = sale('a0000000-0000-4000-8000-00000000000b', { store: 'S777', customer: 'C0777777' });
      assert.equal((await writeBatchIsolatingRefusals(warehouse, records(later), undefined, known)).landed, 1);
      // Known now: a further batch takes their keys from what the session knows.
      const again = sale('a0000000-0000-4000-8000-00000000000c', { store: 'S777', customer: 'C0777777' });
      assert.equal((await writeBatchIsolatingRefusals(warehouse, records(again), undefined, known)).landed, 1);

      const [row] = await warehouse.query<{ stores: number; customers: number }>(
        `select count(distinct s.store_id)::int as stores, count(distinct c.customer_id)::int as customers
           from pos.fact_transaction f
           join pos.dim_store s on s.store_key = f.store_key
           join pos.dim_customer c on c.customer_key = f.customer_key
          where f.transaction_id in ($1, $2)`,
        [later.transaction_id, again.transaction_id],
      );
      assert.deepEqual(row, { stores: 1, customers: 1 });
      for (const check of await verifyWarehouse(warehouse)) assert.equal(check.violations, 0, check.name);
    });
  });
