import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TransactionMessage } from '../../../src/contract/message.ts';
import type { Verdict } from '../../../src/contract/validate.ts';
import { prepare } from '../../../src/ingest/prepare.ts';
import { validSale } from '../../fixtures/messages.ts';

function sale(id: string, storeId: string): TransactionMessage {
  const message = validSale();
  message.transaction_id = id;
  message.store.store_id = storeId;
  return message;
}

const IDS = [
  '00000000-0000-4000-8000-000000000001',
  '00000000-0000-4000-8000-000000000002',
  '00000000-0000-4000-8000-000000000003',
];

test('a message whose checks throw becomes an unprocessable dead letter, and the rest of the batch is prepared', () => {
  const verdicts: (() => Verdict)[] = [
    () => ({ ok: true, message: sale(IDS[0] as string, 'S001') }),
    () => {
      throw new RangeError('Invalid time value');
    },
    () => ({ ok: true, message: sale(IDS[2] as string, 'S003') }),
  ];
  const preparation = prepare({ length: 3, verdict: (index) => (verdicts[index] as () => Verdict)(), source: () => undefined });
  assert.deepEqual(
    preparation.outcomes.map((outcome) => (outcome.ok ? 'ok' : `${outcome.code}: ${outcome.detail}`)),
    ['ok', 'unprocessable: preparing it failed: Invalid time value', 'ok'],
  );
  assert.equal(preparation.rows.facts.count, 2);
});

test('a message that fails while it is mapped leaves nothing of itself in the rows', () => {
  // Past the checks (as a message the contract's checks missed would be), with a time Date cannot read.
  const broken = sale(IDS[1] as string, 'S-BROKEN');
  broken.occurred_at = '2026-06-30T19:59:60.000-04:00';
  const messages = [sale(IDS[0] as string, 'S001'), broken, sale(IDS[1] as string, 'S002')];
  const preparation = prepare({
    length: messages.length,
    verdict: (index) => ({ ok: true, message: messages[index] as TransactionMessage }),
    source: () => undefined,
  });
  assert.deepEqual(
    preparation.outcomes.map((outcome) => outcome.ok || outcome.code),
    [true, 'unprocessable', true],
  );
  // The broken message's store is not a member, and the later message with its id is the one mapped.
  assert.deepEqual(preparation.rows.stores.storeId, ['S001', 'S002']);
  assert.equal(preparation.rows.facts.count, 2);
});

test('messages the preparing thread crashed on are left alone, with the detail given', () => {
  const messages = [sale(IDS[0] as string, 'S001'), sale(IDS[1] as string, 'S002')];
  let asked = 0;
  const preparation = prepare({
    length: 2,
    verdict: (index) => {
      asked++;
      return { ok: true, message: messages[index] as TransactionMessage };
    },
    source: () => undefined,
    excluded: new Map([[0, 'it failed the preparing thread twice']]),
  });
  assert.equal(asked, 1);
  assert.deepEqual(preparation.outcomes[0], { ok: false, code: 'unprocessable', detail: 'it failed the preparing thread twice' });
  assert.deepEqual(preparation.rows.stores.storeId, ['S002']);
});
