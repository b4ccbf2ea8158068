import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { canonicalJson } from '../../../src/contract/canonical.ts';
import { DEAD_LETTER_CODES, validateTransaction } from '../../../src/contract/validate.ts';
import { validSale } from '../../fixtures/messages.ts';
import { validQuebecSale } from '../../fixtures/messages-v2.ts';

// docs/message-contract.md against the code: its examples are valid messages, and the ones the tests use.

const page = readFileSync(new URL('../../../docs/message-contract.md', import.meta.url), 'utf8');

/** The page's JSON examples, each parsed (shown over several lines, they are one JSON value). */
const examples = [...page.matchAll(/```json\n([\s\S]*?)```/g)].map((match) => JSON.parse(match[1] as string) as unknown);

test("the page's examples are the v1 and v2 sales the tests start from, and valid", () => {
  assert.deepEqual(examples, [validSale(), validQuebecSale()]);
  for (const example of examples) {
    const verdict = validateTransaction(example);
    assert.ok(verdict.ok, verdict.ok ? '' : verdict.detail);
    // Written in the contract's order: what canonical JSON writes.
    assert.equal(canonicalJson(verdict.message), JSON.stringify(example));
  }
});

test('the page names every dead-letter code the consumer uses, and the replay of the letters an old consumer kept', () => {
  for (const code of DEAD_LETTER_CODES) assert.ok(page.includes(`| \`${code}\` |`), code);
  assert.ok(page.includes('pos dead-letters replay --code unknown_version'));
  assert.ok(page.includes('schema_version 2; this consumer reads 1`'));
});
