import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const POS = fileURLToPath(new URL('../../../bin/pos.js', import.meta.url));

function pos(...args: string[]) {
  const result = spawnSync(process.execPath, [POS, '--log-level', 'silent', ...args], { encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

test('pos simulate --chain canada writes v2 messages of the Canadian chain, in CAD', () => {
  const result = pos('simulate', '--chain', 'canada', '--count', '40', '--seed', '3', '--dry-run', '--threads', '0');
  assert.equal(result.code, 0, result.stderr);
  const messages = result.stdout
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line));
  assert.equal(messages.length, 40);
  for (const message of messages) {
    assert.equal(message.schema_version, 2);
    assert.equal(message.currency, 'CAD');
    assert.equal(message.store.country, 'CA');
    assert.match(message.store.store_id, /^STORE\d{3}$/);
    assert.ok(Array.isArray(message.tax_totals));
  }
});

test('--chain canada --contract 1 is refused, saying why and what to use', () => {
  const result = pos('simulate', '--chain', 'canada', '--contract', '1', '--count', '1', '--dry-run');
  assert.equal(result.code, 2);
  assert.equal(result.stdout, '');
  assert.match(result.stderr, /The canada chain cannot be written in contract v1: a v1 line has one tax rate and one tax/);
  assert.match(result.stderr, /Use --contract 2/);
});

test('--chain and --contract take only what they allow, and --help documents them', () => {
  const chain = pos('simulate', '--chain', 'mexico', '--count', '1', '--dry-run');
  assert.equal(chain.code, 2);
  assert.match(chain.stderr, /--chain <name>.*expected one of us, canada, not "mexico"/s);
  const contract = pos('simulate', '--contract', '3', '--count', '1', '--dry-run');
  assert.equal(contract.code, 2);
  assert.match(contract.stderr, /expected a whole number from 1 to 2, not "3"/);
  for (const command of ['simulate', 'start']) {
    const help = pos(command, '--help');
    assert.equal(help.code, 0);
    assert.match(help.stdout, /--chain <name>\s+the chain: us .* or canada/s);
    assert.match(help.stdout, /--contract <version>\s+message contract version: 1 or 2/);
  }
});

test('pos simulate --contract 2 keeps the US chain, with the v2 header of the contract', () => {
  const result = pos('simulate', '--contract', '2', '--count', '5', '--seed', '1', '--dry-run', '--threads', '0');
  assert.equal(result.code, 0, result.stderr);
  for (const line of result.stdout.trimEnd().split('\n')) {
    const message = JSON.parse(line);
    assert.equal(message.schema_version, 2);
    assert.equal(message.currency, 'USD');
  }
});
