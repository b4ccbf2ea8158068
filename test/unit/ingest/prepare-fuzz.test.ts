import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeTransaction } from '../../../src/contract/validate.ts';
import { prepareFetched } from '../../../src/ingest/prepare-worker.ts';
import { fetchedBatchOf } from '../../fixtures/fetched.ts';
import { fuzzInputs } from '../../fixtures/fuzz-corpus.ts';
import { validSale } from '../../fixtures/messages.ts';
import { backfillLines, parse } from '../../fixtures/simulated.ts';

const simulated = parse(await backfillLines({ seed: 23, count: 200 }));

test('any bytes end as rows or as exactly one dead letter, through the function the preparing thread runs (fuzz, 6,000 inputs)', () => {
  const inputs = fuzzInputs(2026, 6000, [validSale(), ...simulated]);
  const codes = new Map<string, number>();
  let valid = 0;
  for (let start = 0; start < inputs.length; start += 300) {
    const values = inputs.slice(start, start + 300);
    // Valid copies of simulated messages among them, so that a batch also has rows and repeats.
    values.push(...simulated.slice(0, 20).map((message) => Buffer.from(JSON.stringify(message))));
    const preparation = prepareFetched(fetchedBatchOf(values));
    assert.equal(preparation.outcomes.length, values.length);
    const ids = new Set<string>();
    for (const [index, outcome] of preparation.outcomes.entries()) {
      // The same verdict as the validator's own, taken alone.
      assert.equal(outcome.ok, decodeTransaction(values[index]).ok, `input ${start + index}`);
      if (outcome.ok) {
        valid++;
        ids.add(outcome.id);
        assert.match(outcome.hash, /^[0-9a-f]{64}$/);
      } else {
        assert.ok(outcome.detail.length > 0 && outcome.detail.length <= 1000);
        codes.set(outcome.code, (codes.get(outcome.code) ?? 0) + 1);
      }
    }
    // One transaction's rows for each id, and nothing of the refused ones.
    assert.equal(preparation.rows.facts.count, ids.size);
  }
  // Nothing threw on the way: a message that makes a check throw is a gap in the checks.
  assert.equal(codes.get('unprocessable') ?? 0, 0, JSON.stringify(Object.fromEntries(codes)));
  // Every kind of refusal was exercised, and many inputs were valid.
  for (const code of ['invalid_utf8', 'invalid_json', 'unknown_version', 'schema', 'arithmetic']) {
    assert.ok((codes.get(code) ?? 0) > 20, `${code}: ${JSON.stringify(Object.fromEntries(codes))}`);
  }
  assert.ok(valid > 1000, `valid: ${valid}`);
});
