import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { canonicalJson } from '../../../src/contract/canonical.ts';
import { canonicalInventoryJson, INVENTORY_SCHEMA_NAME, validateInventoryEvent } from '../../../src/contract/inventory.ts';
import { DEAD_LETTER_CODES, validateTransaction } from '../../../src/contract/validate.ts';
import { validSale } from '../../fixtures/messages.ts';
import { validQuebecSale } from '../../fixtures/messages-v2.ts';

// docs/message-contract.md against the code: its examples are valid messages, and the ones the tests use.

const page = readFileSync(new URL('../../../docs/message-contract.md', import.meta.url), 'utf8');

/** The JSON examples of a part of the page, each parsed (shown over several lines, they are one JSON value). */
const examplesOf = (part: string) =>
  [...part.matchAll(/```json\n([\s\S]*?)```/g)].map((match) => JSON.parse(match[1] as string) as unknown);

// The inventory contract is the page's last section; the sales' examples come before it.
const [salesPart = '', inventoryPart = ''] = page.split('\n## Inventory contract');
const examples = examplesOf(salesPart);
const inventoryExamples = examplesOf(inventoryPart);

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

test("the inventory section's examples are valid events, one of each reason, written in the contract's order", () => {
  assert.ok(inventoryPart.includes(`schema: ${INVENTORY_SCHEMA_NAME}`));
  assert.deepEqual(
    inventoryExamples.map((example) => (example as { reason: string }).reason),
    ['delivery', 'opening', 'count', 'unsellable_return'],
  );
  for (const example of inventoryExamples) {
    const verdict = validateInventoryEvent(example);
    assert.ok(verdict.ok, verdict.ok ? '' : verdict.detail);
    assert.equal(canonicalInventoryJson(verdict.event), JSON.stringify(example));
  }
});
