import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isLoopbackHost } from '../../../src/plumbing/hosts.ts';
import { warnsOfPlaintext } from '../../../src/warehouse/tls.ts';
import { SSL_MODES } from '../../../src/warehouse/tls-settings.ts';

describe('the warning about a session that sslmode=prefer left in plaintext', () => {
  test('loopback: localhost, 127.0.0.0/8, ::1 in its spellings, a Unix socket; anything else is another machine', () => {
    for (const host of ['localhost', 'LOCALHOST', 'db.localhost', '127.0.0.1', '127.8.9.10', '::1', '[::1]', '0:0:0:0:0:0:0:1']) {
      assert.equal(isLoopbackHost(host), true, host);
    }
    assert.equal(isLoopbackHost('::ffff:127.0.0.1'), true);
    assert.equal(isLoopbackHost('/var/run/postgresql'), true);
    for (const host of [
      'db.example.com',
      '10.0.4.12',
      '192.0.2.2',
      '128.0.0.1',
      '::2',
      '[fd00::2]',
      'localhost.example.com',
      '127.0.0.1.nip.io',
    ]) {
      assert.equal(isLoopbackHost(host), false, host);
    }
  });

  test('only prefer (set or by default), only without TLS, only to another machine', () => {
    const decisions = SSL_MODES.flatMap((mode) =>
      ['db.example.com', '127.0.0.1'].flatMap((host) =>
        [true, false].map((encrypted) => ({ mode, host, encrypted, warns: warnsOfPlaintext({ host, mode, encrypted }) })),
      ),
    );
    assert.deepEqual(
      decisions.filter((decision) => decision.warns),
      [{ mode: 'prefer', host: 'db.example.com', encrypted: false, warns: true }],
    );
    // disable is chosen knowingly; the stricter modes never end in plaintext (they refuse instead).
    assert.equal(warnsOfPlaintext({ host: '10.0.4.12', mode: 'disable', encrypted: false }), false);
    assert.equal(warnsOfPlaintext({ host: '10.0.4.12', mode: 'prefer', encrypted: true }), false);
    assert.equal(warnsOfPlaintext({ host: 'localhost', mode: 'prefer', encrypted: false }), false);
  });
});
