import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { TransactionMessage } from '../../src/contract/message.ts';
import { dateKey } from '../../src/domain/date-key.ts';
import { parseFixed } from '../../src/domain/money.ts';
import { consume } from '../../src/ingest/consumer.ts';
import { writeTransactions } from '../../src/ingest/write.ts';
import { createLogger } from '../../src/plumbing/logger.ts';
import { waitUntil } from '../../src/plumbing/wait.ts';
import { KafkaSink } from '../../src/simulator/sinks.ts';
import { AGGREGATES, aggregateDifferences, factsFrom } from '../../src/warehouse/aggregates.ts';
import type { Warehouse } from '../../src/warehouse/database.ts';
import { pruneFacts } from '../../src/warehouse/prune.ts';
import { backfillLines, parse } from '../fixtures/simulated.ts';
import { runCli, testKafka, uniqueName } from './support/environment.ts';
import { migratedEmbeddedWarehouse, migratedWarehouse, snapshot } from './support/warehouse.ts';

/** Eight simulated days from 2026-02-02; the cut keeps the last four. */
const CUT = '2026-02-06';
const CUT_KEY = dateKey(CUT);

const cents = (text: string) => parseFixed(text, 2) as number;
const sumCents = (messages: TransactionMessage[]) => messages.reduce((sum, message) => sum + cents(message.total), 0);
const lineCount = (messages: TransactionMessage[]) => messages.reduce((sum, message) => sum + message.items.length, 0);
const keptByCut = (message: TransactionMessage) => dateKey(message.occurred_at) >= CUT_KEY;

async function count(warehouse: Warehouse, sql: string, params: unknown[] = []): Promise<number> {
  const [row] = await warehouse.query<{ count: string }>(sql, params);
  return Number(row?.count);
}

/** The facts dated on or after the cut: what the prune never touches. */
const keptFacts = (warehouse: Warehouse) =>
  count(warehouse, 'select count(*)::text as count from pos.fact_transaction where date_key >= $1', [CUT_KEY]);

/** Sends the simulator's lines to `topic`, keyed by store as the simulator does, and waits for every delivery. */
async function produce(topic: string, lines: Buffer[], messages: TransactionMessage[]): Promise<void> {
  const sink = await KafkaSink.open({ kafka: testKafka(), external: true, topic, createPartitions: 6 });
  for (const [i, line] of lines.entries()) {
    const wait = sink.write((messages[i] as TransactionMessage).store.store_id, line);
    if (wait) await wait;
  }
  const stats = await sink.close();
  assert.equal(stats.failed, 0, `sending to ${topic}`);
}

/** What the aggregates add up to over every date, transactions and money (in cents). */
async function aggregateTotals(warehouse: Warehouse) {
  const [row] = await warehouse.query<Record<string, string>>(
    `select (select sum(sales + returns) from pos.agg_store_hour)::text as store_hour_transactions,
            (select sum(total) from pos.agg_store_hour)::text as store_hour_total,
            (select sum(lines) from pos.agg_store_hour)::text as store_hour_lines,
            (select sum(lines) from pos.agg_product_day)::text as product_day_lines,
            (select sum(transactions) from pos.agg_tender_day)::text as tender_day_transactions,
            (select sum(total) from pos.agg_tender_day)::text as tender_day_total,
            (select sum(sales) from pos.agg_basket_day)::text as basket_day_sales`,
  );
  return {
    storeHourTransactions: Number(row?.store_hour_transactions),
    storeHourTotal: cents(row?.store_hour_total ?? '0'),
    storeHourLines: Number(row?.store_hour_lines),
    productDayLines: Number(row?.product_day_lines),
    tenderDayTransactions: Number(row?.tender_day_transactions),
    tenderDayTotal: cents(row?.tender_day_total ?? '0'),
    basketDaySales: Number(row?.basket_day_sales),
  };
}

/** The same figures computed from the messages produced. */
function producedTotals(messages: TransactionMessage[]) {
  const total = sumCents(messages);
  return {
    storeHourTransactions: messages.length,
    storeHourTotal: total,
    storeHourLines: lineCount(messages),
    productDayLines: lineCount(messages),
    tenderDayTransactions: messages.length,
    tenderDayTotal: total,
    basketDaySales: messages.filter((message) => message.type === 'sale').length,
  };
}

async function differencesFromFacts(warehouse: Warehouse): Promise<Record<string, number>> {
  const from = await factsFrom(warehouse);
  const result: Record<string, number> = {};
  for (const aggregate of AGGREGATES) result[aggregate.table] = await aggregateDifferences(warehouse, aggregate, from);
  return result;
}

const noDifferences = Object.fromEntries(AGGREGATES.map((aggregate) => [aggregate.table, 0]));

describe('pos db prune alongside a running consumer', () => {
  let warehouse: Warehouse;
  let close: () => Promise<void>;
  let lines: Buffer[];
  let messages: TransactionMessage[];

  before(async () => {
    ({ warehouse, close } = await migratedWarehouse());
    lines = await backfillLines({ seed: 2207, count: 3000, startDate: '2026-02-02', days: 8 });
    messages = parse(lines);
  });
  after(() => close());

  test('prune during ingest loses nothing newer than the cut and keeps the report totals', { timeout: 240_000 }, async () => {
    const dropped = messages.filter((message) => !keptByCut(message));
    const kept = messages.filter(keptByCut);
    assert.ok(dropped.length > 500 && kept.length > 500, `${dropped.length} before the cut, ${kept.length} after`);
    // The backlog in two parts: all of the days before the cut and half of those after it first, the
    // rest once the prune is under way. What is dated before the cut has landed when the prune cuts
    // (what came later would be refused, as the second test shows), and ingest goes on throughout.
    const keptFirst = new Set(kept.slice(0, Math.floor(kept.length / 2)));
    const first = messages.map((message, i) => [message, i] as const).filter(([m]) => !keptByCut(m) || keptFirst.has(m));
    const rest = messages.map((message, i) => [message, i] as const).filter(([m]) => keptByCut(m) && !keptFirst.has(m));
    const topic = uniqueName('prune');
    await produce(
      topic,
      first.map(([, i]) => lines[i] as Buffer),
      first.map(([m]) => m),
    );

    const stopConsumer = new AbortController();
    const consuming = consume({
      kafka: testKafka(),
      topic,
      group: uniqueName('prune'),
      warehouse,
      logger: createLogger({ level: 'silent' }),
      signal: stopConsumer.signal,
      batchSize: 100,
    });
    try {
      await waitUntil(
        async () => (await count(warehouse, 'select count(*)::text as count from pos.fact_transaction')) === first.length,
        {
          what: `the first ${first.length} transactions to land`,
          timeoutMs: 120_000,
        },
      );

      let keptWhenPruneBegan = 0;
      const pruned = await pruneFacts(warehouse, {
        before: CUT,
        batchSize: 100,
        onProgress: async (progress) => {
          if (progress.batches !== 1) return;
          // Between the prune's batches: the rest of the backlog is sent, and the prune goes on only once some of it has landed.
          keptWhenPruneBegan = await keptFacts(warehouse);
          await produce(
            topic,
            rest.map(([, i]) => lines[i] as Buffer),
            rest.map(([m]) => m),
          );
          await waitUntil(async () => (await keptFacts(warehouse)) > keptWhenPruneBegan, {
            what: 'the consumer to land transactions while the prune runs',
            timeoutMs: 60_000,
          });
        },
      });
      assert.equal(keptWhenPruneBegan, keptFirst.size);
      assert.deepEqual(pruned, {
        transactions: dropped.length,
        lines: lineCount(dropped),
        batches: Math.ceil(dropped.length / 100),
        total: dropped.length,
        factsFrom: CUT_KEY,
        stopped: false,
      });

      await waitUntil(async () => (await keptFacts(warehouse)) === kept.length, {
        what: `all ${kept.length} transactions dated from ${CUT} on to land`,
        timeoutMs: 120_000,
      });
    } finally {
      stopConsumer.abort();
      await consuming;
    }

    assert.equal(await keptFacts(warehouse), kept.length);
    assert.equal(
      await count(warehouse, 'select count(*)::text as count from pos.fact_sales_line where date_key >= $1', [CUT_KEY]),
      lineCount(kept),
    );
    const [keptTotal] = await warehouse.query<{ total: string }>(
      'select sum(total)::text as total from pos.fact_transaction where date_key >= $1',
      [CUT_KEY],
    );
    assert.equal(cents(keptTotal?.total ?? '0'), sumCents(kept));
    assert.equal(
      await count(warehouse, 'select count(*)::text as count from pos.fact_transaction where date_key < $1', [CUT_KEY]),
      0,
    );
    assert.equal(
      await count(warehouse, 'select count(*)::text as count from pos.fact_sales_line where date_key < $1', [CUT_KEY]),
      0,
    );
    assert.equal(await count(warehouse, 'select count(*)::text as count from pos.dead_letter'), 0);
    // The aggregates still hold every day, the pruned ones too, and agree with the facts kept.
    assert.deepEqual(await aggregateTotals(warehouse), producedTotals(messages));
    assert.equal(await factsFrom(warehouse), CUT_KEY);
    assert.deepEqual(await differencesFromFacts(warehouse), noDifferences);
  });

  test('after a prune, a transaction dated before the cut is a dead letter `pruned` and changes no aggregate; one after it lands', async () => {
    const dead = async () =>
      warehouse.query<{ error_code: string; error_detail: string }>(
        'select error_code, error_detail from pos.dead_letter order by id',
      );
    const lettersBefore = (await dead()).length;
    const aggregatesBefore = await snapshot(warehouse);

    // The replay of a pruned transaction: its stored copy is gone, so it could only be counted twice.
    const replayed = messages.find((message) => !keptByCut(message)) as TransactionMessage;
    const refused = await writeTransactions(warehouse, [replayed]);
    assert.equal(refused.landed, 0);
    assert.deepEqual(
      refused.rejected.map((rejection) => [rejection.code, rejection.transactionId]),
      [['pruned', replayed.transaction_id]],
    );
    const letters = await dead();
    assert.equal(letters.length, lettersBefore + 1);
    assert.equal(letters.at(-1)?.error_code, 'pruned');
    assert.match(letters.at(-1)?.error_detail ?? '', new RegExp(`${replayed.transaction_id} is dated before ${CUT_KEY}`));
    const aggregatesAfter = await snapshot(warehouse);
    for (const aggregate of AGGREGATES) {
      const table = aggregate.table.replace('pos.', '');
      assert.equal(aggregatesAfter[table], aggregatesBefore[table], table);
    }

    const totalsBefore = await aggregateTotals(warehouse);
    const fresh = { ...(messages.find(keptByCut) as TransactionMessage), transaction_id: randomUUID() };
    const landed = await writeTransactions(warehouse, [fresh]);
    assert.equal(landed.landed, 1);
    assert.deepEqual(landed.rejected, []);
    const totalsAfter = await aggregateTotals(warehouse);
    assert.equal(totalsAfter.storeHourTransactions, totalsBefore.storeHourTransactions + 1);
    assert.equal(totalsAfter.storeHourTotal, totalsBefore.storeHourTotal + cents(fresh.total));
    assert.deepEqual(await differencesFromFacts(warehouse), noDifferences);
  });
});

describe('pos db prune, the command', () => {
  let setup: Awaited<ReturnType<typeof migratedWarehouse>>;
  let messages: TransactionMessage[];
  const prune = (...args: string[]) => runCli(['db', 'prune', ...args], { env: { DATABASE_URL: setup.database.url } });

  before(async () => {
    setup = await migratedWarehouse();
    messages = parse(await backfillLines({ seed: 2208, count: 300, startDate: '2026-02-02', days: 8 }));
    assert.equal((await writeTransactions(setup.warehouse, messages)).landed, messages.length);
  });
  after(() => setup.close());

  test('refuses a date that is not one, a missing --before, and a date in the future, with exit 2', async () => {
    const bad = await prune('--before', '2026-02-30');
    assert.equal(bad.code, 2, bad.stdout);
    assert.match(bad.stderr, /--before <date>.* expected a date as YYYY-MM-DD/);
    const missing = await prune();
    assert.equal(missing.code, 2, missing.stdout);
    assert.match(missing.stderr, /pos db prune needs --before DATE/);
    const nextYear = `${new Date().getUTCFullYear() + 1}-01-01`;
    const future = await prune('--before', nextYear, '--yes');
    assert.equal(future.code, 2, future.stdout);
    assert.match(future.stderr, new RegExp(`--before ${nextYear} is in the future`));
  });

  test('without --yes says what it would remove and changes nothing; with it removes that, in batches', async () => {
    const dropped = messages.filter((message) => !keptByCut(message));
    const before = await snapshot(setup.warehouse);
    const asked = await prune('--before', CUT);
    assert.equal(asked.code, 2, asked.stdout);
    assert.match(
      asked.stderr,
      new RegExp(`would remove ${dropped.length} transactions \\(${lineCount(dropped)} lines\\).* the facts before ${CUT}`),
    );
    assert.match(asked.stderr, new RegExp(`pos db prune --before ${CUT} --yes`));
    assert.deepEqual(await snapshot(setup.warehouse), before);
    assert.equal(await factsFrom(setup.warehouse), 0);

    const done = await prune('--before', CUT, '--yes', '--batch-size', '50');
    assert.equal(done.code, 0, done.stderr);
    assert.match(
      done.stdout,
      new RegExp(
        `Removed ${dropped.length} transactions \\(${lineCount(dropped)} lines\\) in ${Math.ceil(dropped.length / 50)} batches dated before ${CUT}`,
      ),
    );
    assert.equal(await factsFrom(setup.warehouse), CUT_KEY);
    assert.equal(
      await count(setup.warehouse, 'select count(*)::text as count from pos.fact_transaction'),
      messages.length - dropped.length,
    );
    assert.deepEqual(await aggregateTotals(setup.warehouse), producedTotals(messages));

    // An earlier date than the cut in force moves nothing back.
    const earlier = await prune('--before', '2026-02-03', '--yes');
    assert.equal(earlier.code, 0, earlier.stderr);
    assert.match(earlier.stdout, new RegExp(`Removed 0 transactions .*\\(an earlier prune cut at ${CUT} already`));
    assert.equal(await factsFrom(setup.warehouse), CUT_KEY);

    const verified = await runCli(['db', 'verify'], { env: { DATABASE_URL: setup.database.url } });
    assert.equal(verified.code, 0, verified.stdout + verified.stderr);
  });
});

test('pruning works on the embedded database too', { timeout: 120_000 }, async () => {
  const { warehouse, close } = await migratedEmbeddedWarehouse();
  try {
    const messages = parse(await backfillLines({ seed: 2209, count: 200, startDate: '2026-02-02', days: 8 }));
    assert.equal((await writeTransactions(warehouse, messages)).landed, messages.length);
    const dropped = messages.filter((message) => !keptByCut(message));
    const result = await pruneFacts(warehouse, { before: CUT, batchSize: 40 });
    assert.equal(result.transactions, dropped.length);
    assert.equal(result.lines, lineCount(dropped));
    assert.equal(
      await count(warehouse, 'select count(*)::text as count from pos.fact_transaction'),
      messages.length - dropped.length,
    );
    assert.deepEqual(await aggregateTotals(warehouse), producedTotals(messages));
    assert.deepEqual(await differencesFromFacts(warehouse), noDifferences);
  } finally {
    await close();
  }
});
