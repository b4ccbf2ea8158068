import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidArgumentError } from 'commander';
import * as flags from '../../../src/cli/flags.ts';
import { CONSUME_RULES } from '../../../src/ingest/options.ts';
import { SIMULATION_RULES } from '../../../src/simulator/options.ts';

function refusal(parse: (value: string) => unknown, value: string): string {
  try {
    parse(value);
  } catch (error) {
    assert.ok(error instanceof InvalidArgumentError, String(error));
    return error.message;
  }
  assert.fail(`"${value}" was accepted`);
}

test("a flag that sets a library option checks it with the option's rule, and says what it allows the same way", () => {
  const batchSize = flags.integer(CONSUME_RULES.batchSize);
  assert.equal(batchSize('20_000'), 20_000);
  assert.equal(refusal(batchSize, '20001'), 'expected a whole number from 1 to 20,000, not "20001".');
  assert.equal(refusal(batchSize, 'ten'), 'expected a whole number from 1 to 20,000, not "ten".');
  assert.equal(refusal(flags.integer(CONSUME_RULES.members), '0'), 'expected a whole number from 1 to 64, not "0".');
  assert.equal(
    refusal(flags.text(CONSUME_RULES.instanceId), 'a b'),
    'expected 1 to 249 characters from a-z, A-Z, 0-9, ".", "_" and "-", such as the host name, not "a b".',
  );
  assert.equal(refusal(flags.text(CONSUME_RULES.group), ''), 'expected a non-empty string, not "".');
  const rate = flags.decimal(SIMULATION_RULES.rate);
  assert.equal(rate('2.5'), 2.5);
  assert.equal(refusal(rate, '0'), 'expected a number above 0, not "0".');
  assert.equal(
    refusal(flags.integer(SIMULATION_RULES.products), '17'),
    'expected a whole number from 18 to 10,000,000, not "17".',
  );
  assert.equal(
    refusal(flags.text(SIMULATION_RULES.startDate), '2026-13-01'),
    'expected a date as YYYY-MM-DD, e.g. 2026-01-31, not "2026-13-01".',
  );
  assert.equal(refusal(flags.integer(1, 10), '11'), 'expected a whole number from 1 to 10, not "11".');
});
