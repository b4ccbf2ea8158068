import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AnyTransactionMessage } from '../../../src/contract/message.ts';
import { decodeTransaction } from '../../../src/contract/validate.ts';
import { prepareFetched } from '../../../src/ingest/prepare-worker.ts';
import { fetchedBatchOf } from '../../fixtures/fetched.ts';
import { fuzzInputs } from '../../fixtures/fuzz-corpus.ts';
import { validSale } from '../../fixtures/messages.ts';
import { PROVINCE_TAXES, toV2, validQuebecSale } from '../../fixtures/messages-v2.ts';
import { backfillLines, parse } from '../../fixtures/simulated.ts';

const simulated = parse(await backfillLines({ seed: 23, count: 200 }));
/** The same messages in contract v2 (the simulator writes v1): by the v1 mapping, or with a province's taxes. */
const provinces = Object.values(PROVINCE_TAXES);
const simulatedV2 = simulated.map((message, i) => toV2(message, i % 3 === 0 ? undefined : provinces[i % provinces.length]));

test('any bytes end as rows or as exactly one dead letter, through the function the preparing thread runs (fuzz, 6,000 inputs)', () => {
  const { valid } = fuzz([validSale(), ...simulated], simulated);
  assert.ok((valid.get(1) ?? 0) > 1000, `valid: ${JSON.stringify(Object.fromEntries(valid))}`);
});

test('the same with contract v1 and v2 mixed, v2 mutated where it differs from v1 (fuzz, 6,000 inputs)', () => {
  const bases = [validSale(), validQuebecSale(), ...simulated.slice(0, 100), ...simulatedV2.slice(100)];
  const { valid } = fuzz(bases, [...simulated.slice(0, 10), ...simulatedV2.slice(10, 20)]);
  // Many inputs were valid, of both versions (fewer than in v1 alone: half of v2's changes are in its taxes, which more often break a sum).
  assert.ok((valid.get(1) ?? 0) + (valid.get(2) ?? 0) > 1000, `valid: ${JSON.stringify(Object.fromEntries(valid))}`);
  assert.ok((valid.get(2) ?? 0) > 500, `valid: ${JSON.stringify(Object.fromEntries(valid))}`);
});

/** Fuzz inputs made from `bases` through prepareFetched, with `copies` among each batch; the valid ones counted by version. */
function fuzz(bases: AnyTransactionMessage[], copies: AnyTransactionMessage[]): { valid: Map<number, number> } {
  const inputs = fuzzInputs(2026, 6000, bases);
  const codes = new Map<string, number>();
  const valid = new Map<number, number>();
  for (let start = 0; start < inputs.length; start += 300) {
    const values = inputs.slice(start, start + 300);
    // Valid copies of simulated messages among them, so that a batch also has rows and repeats.
    values.push(...copies.slice(0, 20).map((message) => Buffer.from(JSON.stringify(message))));
    const preparation = prepareFetched(fetchedBatchOf(values));
    assert.equal(preparation.outcomes.length, values.length);
    const ids = new Set<string>();
    for (const [index, outcome] of preparation.outcomes.entries()) {
      // The same verdict as the validator's own, taken alone.
      const verdict = decodeTransaction(values[index]);
      assert.equal(outcome.ok, verdict.ok, `input ${start + index}`);
      if (outcome.ok) {
        const version = verdict.ok ? verdict.message.schema_version : 0;
        valid.set(version, (valid.get(version) ?? 0) + 1);
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
  // Every kind of refusal was exercised.
  for (const code of ['invalid_utf8', 'invalid_json', 'unknown_version', 'schema', 'arithmetic']) {
    assert.ok((codes.get(code) ?? 0) > 20, `${code}: ${JSON.stringify(Object.fromEntries(codes))}`);
  }
  return { valid };
}
