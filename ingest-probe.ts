import { parseDatabaseUrl } from './src/config.ts';
import { payloadHash } from './src/contract/canonical.ts';
import { validateTransaction } from './src/contract/validate.ts';
import { toWarehouseRows } from './src/ingest/rows.ts';
import { openWarehouse } from './src/warehouse/database.ts';
import { migrateWarehouse, resetWarehouse } from './src/warehouse/migrate.ts';
import { insertTransactions } from './src/warehouse/sql/insert-transactions.ts';
import { storedPayloadHashes } from './src/warehouse/sql/stored-payload-hashes.ts';
import * as sqlCustomers from './src/warehouse/sql/upsert-customers.ts';
import * as sqlDates from './src/warehouse/sql/upsert-dates.ts';
import * as sqlPm from './src/warehouse/sql/upsert-payment-methods.ts';
import * as sqlProducts from './src/warehouse/sql/upsert-products.ts';
import * as sqlStores from './src/warehouse/sql/upsert-stores.ts';
import { backfillLines, parse } from './test/fixtures/simulated.ts';

const w = await openWarehouse(parseDatabaseUrl('postgres://postgres@127.0.0.1/pos_manual'));
await resetWarehouse(w);
const msgs = parse(await backfillLines({ seed: 9, count: 25000 }));
for (let b = 0; b < 5; b++) {
  const batch = msgs.slice(b * 5000, (b + 1) * 5000);
  const t0 = performance.now();
  const accepted = batch.map((m) => {
    const v = validateTransaction(m);
    if (!v.ok) throw new Error(v.detail);
    return { message: v.message, hash: payloadHash(v.message), source: undefined };
  });
  const t1 = performance.now();
  const rows = toWarehouseRows(accepted);
  const times: Record<string, number> = { validateHash: t1 - t0 };
  await w.transaction(async (tx) => {
    let t = performance.now();
    const lap = (name: string) => {
      const n = performance.now();
      times[name] = n - t;
      t = n;
    };
    await storedPayloadHashes(tx, rows.transactions.transactionId);
    lap('hashes');
    await sqlDates.upsertDates(tx, rows.dates);
    lap('dates');
    await sqlStores.upsertStores(tx, rows.stores);
    lap('stores');
    await sqlProducts.upsertProducts(tx, rows.products);
    lap('products');
    await sqlCustomers.upsertCustomers(tx, rows.customers);
    lap('customers');
    await sqlPm.upsertPaymentMethods(tx, rows.paymentMethods);
    lap('pm');
    await insertTransactions(tx, rows);
    lap('facts');
  });
  console.log(Object.fromEntries(Object.entries(times).map(([k, v]) => [k, Math.round(v)])), 'lines', rows.lines.sku.length);
}
await w.close();
