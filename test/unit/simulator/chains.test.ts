import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import type { TransactionMessage, TransactionMessageV2 } from '../../../src/contract/message.ts';
import { dryRun, messages } from '../../fixtures/simulated.ts';

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

describe('the US chain on the tax engine', () => {
  // The golden hashes of /work/v2-spec.md: `pos simulate --dry-run` at commit 58e2323, before the engine.
  test('writes the same bytes for a seed as before: pos simulate --count 3000 --seed 7 --dry-run', async () => {
    const bytes = await dryRun({ seed: 7, count: 3000 });
    assert.equal(sha256(bytes), '9741b368f495ed42faf04b1d6a4e7a8f1e52ccdd0fdf6fd47ed924c37fa8dc5f');
  });

  test('… and with --stores 40 --products 300 --customers 500 --start 2025-03-28 --days 10 --seed 11', async () => {
    const bytes = await dryRun({
      seed: 11,
      count: 2000,
      sizes: { stores: 40, products: 300, customers: 500 },
      startDate: '2025-03-28',
      days: 10,
      threads: 2,
    });
    assert.equal(sha256(bytes), 'aa0f35cb83e9ccafff4f15beac0e5d31d52fc82571d25c9a886dafb3f09c2862');
  });

  test('--contract 2 writes the same transactions, each taxed line with one US-STATE component of its rate and tax', async () => {
    const v1 = messages<TransactionMessage>(await dryRun({ seed: 5, count: 1500 }));
    const v2 = messages<TransactionMessageV2>(await dryRun({ seed: 5, count: 1500, contract: 2 }));
    assert.equal(v2.length, v1.length);
    const jurisdictions: Record<string, string> = {
      'New York': 'US-NY',
      Florida: 'US-FL',
      Illinois: 'US-IL',
      Texas: 'US-TX',
      Colorado: 'US-CO',
      Arizona: 'US-AZ',
      California: 'US-CA',
      Washington: 'US-WA',
      Hawaii: 'US-HI',
    };
    let taxed = 0;
    v2.forEach((message, i) => {
      const { tax_totals, items, ...rest } = message;
      const original = v1[i] as TransactionMessage;
      assert.deepEqual(
        { ...rest, schema_version: 1, items: items.map(({ taxes: _, ...line }) => line) },
        { ...original },
        'v2 is v1 with the components added',
      );
      const totals = new Map<string, bigint>();
      for (const line of items) {
        if (line.tax_rate === '0.0000') {
          assert.deepEqual(line.taxes, []);
          continue;
        }
        taxed++;
        assert.equal(line.taxes.length, 1);
        const [component] = line.taxes;
        assert.deepEqual(component, {
          code: 'US-STATE',
          // The store's state, as the warehouse reads a v1 line (a return at another state's store too).
          jurisdiction: jurisdictions[message.store.region],
          rate: line.tax_rate,
          amount: line.tax,
        });
        const key = component?.jurisdiction as string;
        totals.set(key, (totals.get(key) ?? 0n) + BigInt(line.tax.replace('.', '')));
      }
      assert.deepEqual(
        tax_totals.map((total) => [total.code, total.jurisdiction, total.amount]),
        [...totals].map(([jurisdiction, cents]) => ['US-STATE', jurisdiction, centsText(cents)]),
      );
    });
    assert.ok(taxed > 1000);
  });
});

describe('the Canadian chain', () => {
  test('is deterministic per seed, the same bytes for any number of threads', async () => {
    const options = { chain: 'canada' as const, seed: 9, count: 6000, startDate: '2026-02-01', days: 5 };
    const [alone, threaded] = await Promise.all([dryRun({ ...options, threads: 0 }), dryRun({ ...options, threads: 3 })]);
    assert.equal(sha256(threaded), sha256(alone));
    assert.equal(messages(alone).length, 6000);
  });

  test('refuses contract 1, saying why', async () => {
    await assert.rejects(dryRun({ chain: 'canada', contract: 1, seed: 1, count: 1 }), /cannot be written in contract v1/);
  });
});

function centsText(cents: bigint): string {
  const sign = cents < 0n ? '-' : '';
  const digits = (cents < 0n ? -cents : cents).toString().padStart(3, '0');
  return `${sign}${digits.slice(0, -2)}.${digits.slice(-2)}`;
}
