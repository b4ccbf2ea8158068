import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { writeTransactions } from '../../src/ingest/write.ts';
import { parseDatabaseUrl, type ServerDatabaseConfig } from '../../src/plumbing/config.ts';
import { findProgram } from '../../src/plumbing/programs.ts';
import { openWarehouse, withServerClient } from '../../src/warehouse/database.ts';
import { backfillLines, parse } from '../fixtures/simulated.ts';
import { type CliResult, runCli, testDatabaseServer, uniqueName } from './support/environment.ts';
import { startTlsPostgres, type TlsPostgres } from './support/tls-postgres.ts';
import { snapshot } from './support/warehouse.ts';

describe("PostgreSQL over TLS, on a server of the test's own", () => {
  let server: TlsPostgres;
  let folder: string;
  /** Every password these tests use, and everything the CLI wrote: no password may appear in it. */
  const secrets: string[] = [];
  const outputs: string[] = [];

  const url = (host: string, params: Record<string, string>, user?: { name: string; password: string }) =>
    `postgres://${user?.name ?? server.user}:${encodeURIComponent(user?.password ?? server.password)}@${host}:${server.port}/warehouse?${new URLSearchParams(params)}`;
  const verifyFull = () => url('127.0.0.1', { sslmode: 'verify-full', sslrootcert: server.caFile });
  /** `pos ARGS` with only `env` (and a HOME without ~/.postgresql, so that libpq's default CA file plays no part). */
  const pos = async (args: string[], env: Record<string, string>): Promise<CliResult> => {
    const result = await runCli(args, { env: { HOME: folder, ...env }, cwd: folder });
    outputs.push(result.stdout, result.stderr);
    return result;
  };
  const printed = (result: CliResult) => `exit ${result.code}\n${result.stdout}\n${result.stderr}`;

  before(async () => {
    folder = mkdtempSync(join(tmpdir(), 'pos-tls-test-'));
    server = await startTlsPostgres();
    secrets.push(server.password);
    const admin = parseDatabaseUrl(
      url('127.0.0.1', { sslmode: 'verify-full', sslrootcert: server.caFile }).replace('/warehouse?', '/postgres?'),
    );
    await withServerClient(admin, (db) => db.query('create database warehouse'));
  });
  after(async () => {
    try {
      // Secrets never in what pos printed or logged, nor in the server's log (SCRAM sends none, pos db grant sends verifiers).
      const everything = `${outputs.join('\n')}\n${server.log()}`;
      for (const secret of secrets) assert.ok(!everything.includes(secret), 'a password appears in a log');
    } finally {
      await server?.stop();
      rmSync(folder, { recursive: true, force: true });
    }
  });

  test('sslmode=verify-full with the right CA: pos db migrate and pos report work, and the session is encrypted', async () => {
    const migrate = await pos(['db', 'migrate'], { DATABASE_URL: verifyFull() });
    assert.equal(migrate.code, 0, printed(migrate));
    assert.match(migrate.stdout, /pos_tls@127\.0\.0\.1:\d+\/warehouse: applied \d+ migrations/);

    const warehouse = await openWarehouse(parseDatabaseUrl(verifyFull()));
    try {
      const [session] = await warehouse.query<{ ssl: boolean; version: string }>(
        'select ssl, version from pg_stat_ssl where pid = pg_backend_pid()',
      );
      assert.equal(session?.ssl, true);
      assert.match(session?.version ?? '', /^TLSv1\.[23]$/);
      await writeTransactions(warehouse, parse(await backfillLines({ seed: 31, count: 400 })));
    } finally {
      await warehouse.close();
    }

    const report = await pos(['report', 'sales-by-store', '--format', 'csv'], { DATABASE_URL: verifyFull() });
    assert.equal(report.code, 0, printed(report));
    const rows = report.stdout.trim().split('\n').slice(1);
    assert.equal(
      rows.reduce((sum, row) => sum + Number(row.split(',').at(-4)), 0),
      400,
      'the transactions of every store add up to what was written',
    );
  });

  test("without sslmode, libpq's prefer: TLS with a server that offers it, plaintext with one that does not", async () => {
    const encrypted = async (config: ServerDatabaseConfig) =>
      withServerClient(config, async (db) => {
        const [row] = await db.query<{ ssl: boolean }>('select ssl from pg_stat_ssl where pid = pg_backend_pid()');
        return row?.ssl;
      });
    assert.equal(await encrypted(parseDatabaseUrl(url('127.0.0.1', {}))), true);
    // The other tests' server (as a rule without TLS): encrypted exactly when its ssl setting is on.
    const shared = testDatabaseServer();
    const [setting] = await withServerClient(shared, (db) => db.query<{ ssl: string }>('show ssl'));
    assert.equal(await encrypted(shared), setting?.ssl === 'on');
  });

  test('the same settings from PG_SSLMODE and PG_SSLROOTCERT with the PG_* variables', async () => {
    const result = await pos(['db', 'migrate'], {
      PG_HOST: '127.0.0.1',
      PG_PORT: String(server.port),
      PG_DATABASE: 'warehouse',
      PG_USERNAME: server.user,
      PG_PASSWORD: server.password,
      PG_SSLMODE: 'verify-full',
      PG_SSLROOTCERT: server.caFile,
    });
    assert.equal(result.code, 0, printed(result));
    assert.match(result.stdout, /up to date/);
  });

  test('verify-full with a CA that did not sign the server certificate fails, naming the server, the sslmode and the CA file', async () => {
    const result = await pos(['db', 'migrate'], {
      DATABASE_URL: url('127.0.0.1', { sslmode: 'verify-full', sslrootcert: server.wrongCaFile }),
    });
    assert.equal(result.code, 1, printed(result));
    assert.match(result.stderr, new RegExp(`PostgreSQL at 127\\.0\\.0\\.1:${server.port}`));
    assert.match(result.stderr, /certificate is not signed by the CA file \S*wrong-ca\.crt \(sslrootcert in DATABASE_URL\)/);
    assert.match(result.stderr, /sslmode=verify-full \(sslmode in DATABASE_URL\) refuses it/);
    assert.match(result.stderr, /Set PG_SSLROOTCERT \(or sslrootcert in DATABASE_URL\) to the CA/);
  });

  test('verify-full to an address the certificate does not name fails, saying what it names; verify-ca accepts it', async () => {
    // The server listens on 127.0.0.2 too; its certificate is for 127.0.0.1 and localhost.
    const mismatch = await pos(['db', 'migrate'], {
      DATABASE_URL: url('127.0.0.2', { sslmode: 'verify-full', sslrootcert: server.caFile }),
    });
    assert.equal(mismatch.code, 1, printed(mismatch));
    assert.match(mismatch.stderr, new RegExp(`PostgreSQL at 127\\.0\\.0\\.2:${server.port}`));
    assert.match(
      mismatch.stderr,
      /certificate is not for "127\.0\.0\.2", the host connected to: it names IP Address:127\.0\.0\.1, DNS:localhost/,
    );
    assert.match(mismatch.stderr, /sslmode=verify-full \(sslmode in DATABASE_URL\) checks that the certificate names the host/);
    assert.match(mismatch.stderr, /checked against the CA file \S*ca\.crt/);

    const caOnly = await pos(['db', 'migrate'], {
      DATABASE_URL: url('127.0.0.2', { sslmode: 'verify-ca', sslrootcert: server.caFile }),
    });
    assert.equal(caOnly.code, 0, printed(caOnly));
  });

  test("sslmode=require encrypts without checking, as libpq's does; given a CA, it checks the chain (verify-ca)", async () => {
    const unchecked = await pos(['db', 'migrate'], { DATABASE_URL: url('127.0.0.2', { sslmode: 'require' }) });
    assert.equal(unchecked.code, 0, printed(unchecked));
    const withWrongCa = await pos(['db', 'migrate'], {
      DATABASE_URL: url('127.0.0.1', { sslmode: 'require', sslrootcert: server.wrongCaFile }),
    });
    assert.equal(withWrongCa.code, 1, printed(withWrongCa));
    assert.match(withWrongCa.stderr, /not signed by the CA file \S*wrong-ca\.crt/);
  });

  test('sslmode=disable against a server that takes only TLS: refused, with a hint to use TLS', async () => {
    const result = await pos(['db', 'migrate'], { DATABASE_URL: url('127.0.0.1', { sslmode: 'disable' }) });
    assert.equal(result.code, 1, printed(result));
    assert.match(result.stderr, /refused the login: .*no encryption/);
    assert.match(result.stderr, /accepts only TLS connections from here: set sslmode=require, or better verify-full/);
  });

  test('backup and restore over TLS: pg_dump and pg_restore get the TLS settings and the password in their environment, never as arguments', async () => {
    // Stand-ins for the client tools that record how they were called, then run the real ones.
    const tools = mkdtempSync(join(folder, 'tools-'));
    const calls = join(tools, 'calls.log');
    for (const name of ['pg_dump', 'pg_restore']) {
      const real = findProgram(name);
      assert.ok(real, `${name} is installed`);
      const script = join(tools, name);
      writeFileSync(
        script,
        `#!/bin/sh\nprintf '%s args=%s PGSSLMODE=%s PGSSLROOTCERT=%s PGPASSWORD=%s\\n' "${name}" "$*" "$PGSSLMODE" "$PGSSLROOTCERT" "\${PGPASSWORD:+given}" >> "${calls}"\nexec "${real}" "$@"\n`,
      );
      chmodSync(script, 0o755);
    }
    const env = { DATABASE_URL: verifyFull(), PATH: `${tools}:${process.env.PATH}` };
    const file = join(folder, 'tls.backup');
    const warehouse = await openWarehouse(parseDatabaseUrl(verifyFull()));
    const before = await snapshot(warehouse).finally(() => warehouse.close());
    assert.match(before.fact_transaction ?? '', /^400 rows/);

    const backup = await pos(['db', 'backup', file], env);
    assert.equal(backup.code, 0, printed(backup));
    const reset = await pos(['db', 'reset', '--yes'], env);
    assert.equal(reset.code, 0, printed(reset));
    const restore = await pos(['db', 'restore', file], env);
    assert.equal(restore.code, 0, printed(restore));

    const restored = await openWarehouse(parseDatabaseUrl(verifyFull()));
    assert.deepEqual(await snapshot(restored).finally(() => restored.close()), before);
    const recorded = readFileSync(calls, 'utf8').trim().split('\n');
    const runs = recorded.filter((line) => !line.includes('args=--version'));
    assert.deepEqual(
      runs.map((line) => line.split(' ')[0]),
      ['pg_dump', 'pg_restore'],
    );
    for (const line of runs) {
      assert.ok(!line.includes(server.password), 'no password among the arguments');
      assert.doesNotMatch(line.replace(/ PGSSL.*/, ''), /ssl/, 'no TLS settings among the arguments');
      assert.match(line, new RegExp(`PGSSLMODE=verify-full PGSSLROOTCERT=${server.caFile} PGPASSWORD=given$`));
    }
  });

  test('pos db grant on the TLS server: the roles log in with the passwords from the environment, a wrong one is refused', async () => {
    const ingest = { name: uniqueName('tls_ingest'), password: `ingest-${uniqueName('pw')}` };
    const reader = { name: uniqueName('tls_reader'), password: `reader-${uniqueName('pw')}` };
    secrets.push(ingest.password, reader.password);
    const grant = await pos(['db', 'grant', '--ingest-role', ingest.name, '--reader-role', reader.name], {
      DATABASE_URL: verifyFull(),
      POS_INGEST_PASSWORD: ingest.password,
      POS_READER_PASSWORD: reader.password,
    });
    assert.equal(grant.code, 0, printed(grant));
    assert.match(grant.stdout, new RegExp(`Role ${ingest.name} \\(created, password set\\)`));

    const tls = { sslmode: 'verify-full', sslrootcert: server.caFile };
    const asReader = await pos(['report', 'sales-by-store'], { DATABASE_URL: url('127.0.0.1', tls, reader) });
    assert.equal(asReader.code, 0, printed(asReader));
    const asIngest = await pos(['db', 'migrate'], { DATABASE_URL: url('127.0.0.1', tls, ingest) });
    assert.equal(asIngest.code, 0, printed(asIngest));
    assert.match(asIngest.stdout, /up to date/);

    const wrong = `wrong-${uniqueName('pw')}`;
    secrets.push(wrong);
    const refused = await pos(['db', 'migrate'], { DATABASE_URL: url('127.0.0.1', tls, { name: reader.name, password: wrong }) });
    assert.equal(refused.code, 1, printed(refused));
    assert.match(refused.stderr, new RegExp(`user "${reader.name}".*refused the login: password authentication failed`));
  });
});
