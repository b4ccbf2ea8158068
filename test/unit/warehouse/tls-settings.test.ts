import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { databaseUrl, loadConfig, type ServerDatabaseConfig } from '../../../src/plumbing/config.ts';
import { ConfigError } from '../../../src/plumbing/errors.ts';
import { driverTls, libpqTlsEnvironment } from '../../../src/warehouse/tls.ts';
import { withoutTlsParameters } from '../../../src/warehouse/tls-settings.ts';

const folder = mkdtempSync(join(tmpdir(), 'pos-tls-settings-'));
const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
for (const name of ['ca.crt', 'client.crt', 'client.key']) writeFileSync(join(folder, name), PEM);
const ca = join(folder, 'ca.crt');

function server(env: Record<string, string>): ServerDatabaseConfig {
  const { database } = loadConfig({ env, cwd: folder });
  assert.ok(database.kind === 'server');
  return database;
}
const url = (query: string) => `postgres://ana:pw@db.example:5432/dw?${query}`;

describe('PostgreSQL TLS settings', () => {
  after(() => rmSync(folder, { recursive: true, force: true }));

  test("unset, the mode is libpq's default, prefer: TLS if the server offers it, nothing checked", () => {
    const { tls } = server({ PG_HOST: 'db.example' });
    assert.deepEqual([tls.mode, tls.rootCert, tls.origin.mode], ['prefer', undefined, 'the default']);
    assert.deepEqual(driverTls(tls), { rejectUnauthorized: false });
  });

  test('from DATABASE_URL parameters, relative paths from the working directory; PG_SSL* fill what the URL leaves out', () => {
    const { tls } = server({ DATABASE_URL: url('sslmode=verify-full&sslrootcert=ca.crt'), PG_SSLMODE: 'disable' });
    assert.deepEqual(
      [tls.mode, tls.rootCert, tls.origin.mode, tls.origin.rootCert],
      ['verify-full', ca, 'sslmode in DATABASE_URL', 'sslrootcert in DATABASE_URL'],
    );
    const filled = server({ DATABASE_URL: url('sslmode=verify-ca'), PG_SSLROOTCERT: ca });
    assert.deepEqual([filled.tls.rootCert, filled.tls.origin.rootCert], [ca, 'PG_SSLROOTCERT']);
  });

  test('PG_SSLMODE and the others alone mean a server, as PG_HOST does', () => {
    const { tls, host } = server({ PG_SSLMODE: 'require' });
    assert.deepEqual([host, tls.mode, tls.origin.mode], ['127.0.0.1', 'require', 'PG_SSLMODE']);
  });

  test('each sslmode means to node-postgres what it means to libpq', () => {
    const mode = (sslmode: string, extra: Record<string, string> = {}) =>
      driverTls(server({ PG_SSLMODE: sslmode, ...extra }).tls);
    assert.equal(mode('disable'), false);
    assert.deepEqual(mode('prefer', { PG_SSLROOTCERT: ca }), { rejectUnauthorized: false });
    // require checks nothing, unless a CA is given: then it is verify-ca (node-postgres would check the name too).
    assert.deepEqual(mode('require'), { rejectUnauthorized: false });
    const requireWithCa = mode('require', { PG_SSLROOTCERT: ca });
    assert.ok(requireWithCa);
    assert.equal(requireWithCa.rejectUnauthorized, true);
    assert.equal(requireWithCa.ca, PEM);
    assert.equal(requireWithCa.checkServerIdentity?.('db.example', {} as never), undefined);
    const verifyCa = mode('verify-ca', { PG_SSLROOTCERT: ca });
    assert.ok(verifyCa);
    assert.equal(verifyCa.rejectUnauthorized, true);
    assert.equal(typeof verifyCa.checkServerIdentity, 'function', 'the name is not checked');
    // verify-full keeps Node's own host name check.
    assert.deepEqual(mode('verify-full', { PG_SSLROOTCERT: ca }), { ca: PEM, rejectUnauthorized: true });
    assert.deepEqual(mode('verify-full', { PG_SSLROOTCERT: 'system' }), { rejectUnauthorized: true });
    const withClientCertificate = mode('verify-full', {
      PG_SSLROOTCERT: ca,
      PG_SSLCERT: 'client.crt',
      PG_SSLKEY: join(folder, 'client.key'),
    });
    assert.ok(withClientCertificate);
    assert.deepEqual([withClientCertificate.cert, withClientCertificate.key], [PEM, PEM]);
  });

  test('pg_dump and pg_restore get the same settings as libpq variables, and a URL without them', () => {
    const config = server({ DATABASE_URL: url('sslmode=verify-ca&sslrootcert=ca.crt&application_name=x') });
    assert.deepEqual(libpqTlsEnvironment(config.tls), {
      PGSSLMODE: 'verify-ca',
      PGSSLROOTCERT: ca,
      PGSSLCERT: undefined,
      PGSSLKEY: undefined,
    });
    assert.equal(withoutTlsParameters(config.connectionString ?? ''), 'postgres://ana:pw@db.example:5432/dw?application_name=x');
    // A child process's DATABASE_URL keeps them.
    assert.equal(
      databaseUrl(config),
      `postgres://ana:pw@db.example:5432/dw?sslmode=verify-ca&sslrootcert=${encodeURIComponent(ca)}`,
    );
  });

  test("libpq's default CA file, ~/.postgresql/root.crt, is used when it exists", () => {
    const home = join(folder, 'home');
    assert.throws(() => server({ HOME: home, PG_SSLMODE: 'verify-full' }), /no CA is set/);
    mkdirSync(join(home, '.postgresql'), { recursive: true });
    writeFileSync(join(home, '.postgresql', 'root.crt'), PEM);
    const { tls } = server({ HOME: home, PG_SSLMODE: 'verify-full' });
    assert.equal(tls.rootCert, join(home, '.postgresql', 'root.crt'));
    assert.match(tls.origin.rootCert, /libpq's default CA file/);
    // and makes require check the chain, as in libpq
    const requireTls = driverTls(server({ HOME: home, PG_SSLMODE: 'require' }).tls);
    assert.ok(requireTls);
    assert.equal(requireTls.rejectUnauthorized, true);
  });

  const invalid: [string, Record<string, string>, RegExp, RegExp][] = [
    [
      'an unknown sslmode in PG_SSLMODE',
      { PG_SSLMODE: 'strict' },
      /PG_SSLMODE is "strict", which is not an sslmode/,
      /disable, prefer, require, verify-ca, verify-full/,
    ],
    [
      "node-postgres' no-verify in the URL",
      { DATABASE_URL: url('sslmode=no-verify') },
      /sslmode in DATABASE_URL is "no-verify"/,
      /no-verify is require/,
    ],
    ["node-postgres' ssl=true", { DATABASE_URL: url('ssl=true') }, /DATABASE_URL has the parameter ssl/, /sslmode=verify-full/],
    [
      'uselibpqcompat',
      { DATABASE_URL: url('uselibpqcompat=true&sslmode=require') },
      /parameter uselibpqcompat/,
      /always follows libpq/,
    ],
    [
      'verify-full without a CA',
      { PG_SSLMODE: 'verify-full' },
      /sslmode=verify-full \(PG_SSLMODE\) checks the server's certificate against a CA, and no CA is set/,
      /PG_SSLROOTCERT .* or to "system"/,
    ],
    [
      'verify-ca without a CA',
      { DATABASE_URL: url('sslmode=verify-ca') },
      /sslmode=verify-ca \(sslmode in DATABASE_URL\)/,
      /PG_SSLROOTCERT/,
    ],
    [
      'a CA file that does not exist',
      { PG_SSLMODE: 'verify-full', PG_SSLROOTCERT: 'missing.crt' },
      /PG_SSLROOTCERT names \S*missing\.crt, which does not exist/,
      /readable PEM/,
    ],
    [
      'a certificate without its key',
      { PG_SSLCERT: 'client.crt' },
      /needs both sslcert and sslkey; PG_SSLCERT is set, but no sslkey/,
      /PG_SSLKEY/,
    ],
    [
      'the public CAs without verify-full',
      { PG_SSLMODE: 'verify-ca', PG_SSLROOTCERT: 'system' },
      /sslrootcert=system \(PG_SSLROOTCERT\) trusts every public CA, so it needs sslmode=verify-full, not verify-ca/,
      /verify-full/,
    ],
  ];
  for (const [what, env, message, hint] of invalid) {
    test(`a ConfigError (exit 2) naming the setting and what to do: ${what}`, () => {
      assert.throws(
        () => loadConfig({ env, cwd: folder }),
        (error: unknown) =>
          error instanceof ConfigError &&
          error.exitCode === 2 &&
          message.test(error.message) &&
          hint.test(error.hint ?? '') &&
          !error.message.includes(':pw@'),
      );
    });
  }
});
