import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { TransactionMessage } from '../../../src/contract/message.ts';
import { BatchPreparer } from '../../../src/ingest/preparer.ts';
import { CRASH_ALWAYS, CRASH_ONCE } from '../../fixtures/crashing-prepare-worker.ts';
import { fetchedBatchOf } from '../../fixtures/fetched.ts';
import { backfillLines, parse } from '../../fixtures/simulated.ts';

const simulated = parse(await backfillLines({ seed: 5, count: 40 }));
const entry = new URL('../../fixtures/crashing-prepare-worker.ts', import.meta.url);
const folder = await mkdtemp(join(tmpdir(), 'pos-preparer-'));
process.env.POS_TEST_CRASH_ONCE_FILE = join(folder, 'crashed-once');
after(() => rm(folder, { recursive: true, force: true }));

/** A valid message whose bytes carry a marker for the crashing thread (in the customer's name). */
function marked(message: TransactionMessage, marker: string): Buffer {
  const copy = structuredClone(message);
  copy.store.name = `${copy.store.name} ${marker}`;
  return Buffer.from(JSON.stringify(copy));
}

test('a message that crashes the preparing thread every time becomes one unprocessable dead letter; the rest is prepared', async () => {
  const preparer = new BatchPreparer({ entry });
  try {
    const values: Buffer[] = simulated.map((message) => Buffer.from(JSON.stringify(message)));
    values[7] = marked(simulated[7] as TransactionMessage, CRASH_ALWAYS);
    values[31] = marked(simulated[31] as TransactionMessage, CRASH_ALWAYS);
    const { prepared } = await preparer.prepare(fetchedBatchOf(values, 'pos', 100n));
    const refused = prepared.outcomes.flatMap((outcome, index) => (outcome.ok ? [] : [[index, outcome.code, outcome.detail]]));
    assert.deepEqual(
      refused.map(([index, code]) => [index, code]),
      [
        [7, 'unprocessable'],
        [31, 'unprocessable'],
      ],
    );
    assert.match(String(refused[0]?.[2]), /failed the preparing thread twice: .*crashed on purpose at offset 107/);
    assert.equal(prepared.rows.facts.count, simulated.length - 2);
    // The batch's own bytes are intact: a dead letter stores them.
    assert.ok(prepared.records.record(7).value?.toString().includes(CRASH_ALWAYS));
    // And the next batch goes to a new thread as usual.
    const next = await preparer.prepare(fetchedBatchOf([Buffer.from(JSON.stringify(simulated[0]))]));
    assert.equal(next.prepared.outcomes[0]?.ok, true);
  } finally {
    await preparer.close();
  }
});

test('a crash that does not come back (the thread exited once) costs a retry and no dead letter', async () => {
  const preparer = new BatchPreparer({ entry });
  try {
    const values: Buffer[] = simulated.map((message) => Buffer.from(JSON.stringify(message)));
    values[3] = marked(simulated[3] as TransactionMessage, CRASH_ONCE);
    const { prepared } = await preparer.prepare(fetchedBatchOf(values));
    assert.ok(prepared.outcomes.every((outcome) => outcome.ok));
    assert.equal(prepared.rows.facts.count, simulated.length);
  } finally {
    await preparer.close();
  }
});
