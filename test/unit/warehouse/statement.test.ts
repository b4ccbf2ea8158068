import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runTogether, statement } from '../../../src/warehouse/sql/statement.ts';

/** What a runner was asked to run. */
function recorder() {
  const ran: { text: string; params: unknown[] | undefined }[] = [];
  return {
    ran,
    db: {
      query: async <Row>(text: string, params?: unknown[]) => {
        ran.push({ text, params });
        return [] as Row[];
      },
    },
  };
}

test('statements run together as one: all but the last as WITH queries, their parameters renumbered in order', async () => {
  const { ran, db } = recorder();
  await runTogether(db, [
    statement('insert into a select * from unnest($1::text[], $2::int[])', [['x'], [1]]),
    undefined,
    statement('insert into b select $1', ['y']),
    statement('insert into c select $2, $1, $10', [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]),
  ]);
  assert.equal(ran.length, 1);
  assert.equal(
    ran[0]?.text,
    'with part_0 as (insert into a select * from unnest($1::text[], $2::int[])),\n' +
      'part_1 as (insert into b select $3)\n' +
      'insert into c select $5, $4, $13',
  );
  assert.deepEqual(ran[0]?.params, [['x'], [1], 'y', 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
});

test('one statement runs as it is; none runs nothing', async () => {
  const { ran, db } = recorder();
  await runTogether(db, [undefined, statement('insert into a select $1', [1])]);
  await runTogether(db, [undefined]);
  assert.deepEqual(ran, [{ text: 'insert into a select $1', params: [1] }]);
});
