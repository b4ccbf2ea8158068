import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DEFAULT_SIZES } from '../../src/catalog/catalog.ts';
import type { AnyTransactionMessage, SchemaVersion } from '../../src/contract/message.ts';
import { parseFixed } from '../../src/domain/money.ts';
import { simulate } from '../../src/simulator/run.ts';
import { KafkaSink } from '../../src/simulator/sinks.ts';
import { v1TaxComponentName } from '../../src/tax/jurisdictions.ts';
import type { Warehouse } from '../../src/warehouse/database.ts';
import { type CliResult, runCli, type TestDatabase, testBrokers, testKafka, uniqueName } from './support/environment.ts';
import { expectedFigures, warehouseFigures } from './support/ingest.ts';
import { consumeAll } from './support/topics.ts';
import { migratedWarehouse } from './support/warehouse.ts';

/** Each chain's share of the topic: the US chain in contract v1, the Canadian one in v2. */
const PER_CHAIN = 1_000;

/** A backfill of `count` transactions of `chain` appended to `topic`, in the chain's contract version. */
async function produceChain(topic: string, chain: 'us' | 'canada', count: number, seed: number): Promise<void> {
  const contract: SchemaVersion = chain === 'us' ? 1 : 2;
  const sink = await KafkaSink.open({ kafka: testKafka(), external: true, topic, createPartitions: 6, schemaVersion: contract });
  await simulate({
    seed,
    sizes: DEFAULT_SIZES,
    chain,
    contract,
    // Across Nova Scotia's HST change on 2025-04-01.
    mode: { kind: 'backfill', count, startDate: '2025-03-25', days: 14 },
    sink,
    threads: 0,
  });
}

/** A topic holding both chains, v1 and v2 interleaved by partition; returns the messages as read back. */
async function mixedTopic(): Promise<{ topic: string; messages: AnyTransactionMessage[] }> {
  const topic = uniqueName('contracts');
  await produceChain(topic, 'us', PER_CHAIN, 23);
  await produceChain(topic, 'canada', PER_CHAIN, 24);
  const read = await consumeAll(testBrokers(), topic, 2 * PER_CHAIN);
  return { topic, messages: read.map((message) => JSON.parse(message.value.toString()) as AnyTransactionMessage) };
}

const cents = (text: string) => parseFixed(text, 2) as number;

/** Tax by jurisdiction and code, in cents, from the messages alone: a v2 line's components, a v1 line's one tax. */
function taxByCode(messages: readonly AnyTransactionMessage[]): Record<string, number> {
  const sums: Record<string, number> = {};
  const add = (jurisdiction: string, code: string, amount: number) => {
    sums[`${jurisdiction} ${code}`] = (sums[`${jurisdiction} ${code}`] ?? 0) + amount;
  };
  for (const message of messages) {
    for (const line of message.items) {
      if (message.schema_version === 2) {
        for (const tax of (line as (typeof message.items)[number]).taxes) add(tax.jurisdiction, tax.code, cents(tax.amount));
      } else if (line.tax_rate !== '0.0000') {
        const { jurisdiction, code } = v1TaxComponentName(message.store.country, message.store.region);
        add(jurisdiction, code, cents(line.tax));
      }
    }
  }
  return sums;
}

/** The same, from the warehouse's tax components. */
async function warehouseTaxByCode(warehouse: Warehouse): Promise<Record<string, number>> {
  const rows = await warehouse.query<{ name: string; tax: string }>(
    `select t.jurisdiction || ' ' || t.code as name, sum(f.tax)::text as tax
       from pos.fact_line_tax f join pos.dim_tax t using (tax_key) group by 1`,
  );
  return Object.fromEntries(rows.map((row) => [row.name, cents(row.tax)]));
}

function consumeCli(database: TestDatabase, topic: string, group: string, ...extra: string[]): Promise<CliResult> {
  return runCli(['consume', '--topic', topic, '--group', group, '--until-idle', '4s', ...extra], {
    env: { DATABASE_URL: database.url, KAFKA_BROKERS: testBrokers().join(','), LOG_LEVEL: process.env.LOG_LEVEL },
  });
}

describe('contract v1 and v2 on one topic', () => {
  let topic: string;
  let messages: AnyTransactionMessage[];

  before(async () => {
    ({ topic, messages } = await mixedTopic());
  });

  test('the topic holds both versions, each chain in its own', () => {
    const versions = new Set(messages.map((message) => `${message.currency} v${message.schema_version}`));
    assert.deepEqual([...versions].sort(), ['CAD v2', 'USD v1']);
  });

  describe('one consumer that reads both', () => {
    let database: TestDatabase;
    let warehouse: Warehouse;
    let close: () => Promise<void>;
    before(async () => {
      ({ database, warehouse, close } = await migratedWarehouse());
    });
    after(() => close());

    test('lands every message exactly once: counts, money, tax by code, and the aggregates equal the facts', {
      timeout: 180_000,
    }, async () => {
      const result = await consumeCli(database, topic, uniqueName('both'));
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, new RegExp(`${(2 * PER_CHAIN).toLocaleString('en-US')} transactions landed`));
      assert.deepEqual(await warehouseFigures(warehouse), expectedFigures(messages));
      const expectedTax = taxByCode(messages);
      assert.deepEqual(await warehouseTaxByCode(warehouse), expectedTax);
      assert.ok(
        expectedTax['CA QST'] === undefined && expectedTax['CA-QC QST'] !== undefined && expectedTax['CA GST'] !== undefined,
      );
      const verify = await runCli(['db', 'verify'], { env: { DATABASE_URL: database.url } });
      assert.equal(verify.code, 0, verify.stdout + verify.stderr);
    });
  });

  describe('schema evolution: a consumer that reads only v1, then the upgrade and the replay', () => {
    let database: TestDatabase;
    let warehouse: Warehouse;
    let close: () => Promise<void>;
    before(async () => {
      ({ database, warehouse, close } = await migratedWarehouse());
    });
    after(() => close());

    test('v2 messages wait as unknown_version dead letters, kept whole; the replay lands them and the warehouse equals the topic', {
      timeout: 240_000,
    }, async () => {
      const group = uniqueName('v1_only');
      const old = await consumeCli(database, topic, group, '--contract', '1');
      assert.equal(old.code, 0, old.stderr);
      assert.match(
        old.stdout,
        new RegExp(`${PER_CHAIN.toLocaleString('en-US')} dead letters \\(unknown_version ${PER_CHAIN}\\)`),
      );
      const letters = await warehouse.query<{ raw_value: Buffer; error_detail: string }>(
        "select raw_value, error_detail from pos.dead_letter where error_code = 'unknown_version'",
      );
      assert.equal(letters.length, PER_CHAIN);
      const v2Texts = new Set(
        messages.filter((message) => message.schema_version === 2).map((message) => JSON.stringify(message)),
      );
      assert.ok(
        letters.every((letter) => v2Texts.has(letter.raw_value.toString())),
        'each letter keeps its message whole',
      );
      assert.match(letters[0]?.error_detail ?? '', /schema_version 2; this consumer reads only 1/);

      const replay = await runCli(['dead-letters', 'replay', '--code', 'unknown_version'], {
        env: { DATABASE_URL: database.url },
      });
      assert.equal(replay.code, 0, replay.stderr);
      assert.deepEqual(await warehouseFigures(warehouse), expectedFigures(messages));
      assert.deepEqual(await warehouseTaxByCode(warehouse), taxByCode(messages));
      // Consumed again, the group has nothing left to do: the offsets moved past the letters.
      const again = await consumeCli(database, topic, group);
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stdout, /Read 0 messages/);
    });
  });
});
