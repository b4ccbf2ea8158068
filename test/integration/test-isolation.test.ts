import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fetchClusterMetadata } from '../../src/kafka/admin.ts';
import { describeDatabase } from '../../src/plumbing/config.ts';
import type { Environment } from '../../src/plumbing/environment.ts';
import { withServerClient } from '../../src/warehouse/database.ts';
import {
  cliEnvironment,
  isUserSetting,
  PROJECT_ROOT,
  runCli,
  testBrokers,
  testDatabaseServer,
  testKafka,
} from './support/environment.ts';

/** Where the user's settings point: loopback ports nothing listens on, so that any use of them fails. */
const NOWHERE = '127.0.0.1:1';
const USER_DATABASE = `postgres://postgres@${NOWHERE}/company_warehouse`;

/** A user's shell: their cluster, their warehouse, their topic. */
const USER_SHELL: Environment = {
  DATABASE_URL: USER_DATABASE,
  PG_HOST: '127.0.0.1',
  PG_PORT: '1',
  PGHOST: '127.0.0.1',
  PGPORT: '1',
  KAFKA_BROKERS: NOWHERE,
  KAFKA_CONFIG: 'client.properties',
  KAFKA_SASL_USERNAME: 'company',
  KAFKA_SASL_PASSWORD: 'company-secret',
  POS_TOPIC: 'CompanyPointOfSale',
  POS_DATA_DIR: '/nonexistent/company',
};

/** The same in a checkout's `.env`, with the test-only variables too: tests read no `.env` at all. */
const USER_DOTENV = [
  `DATABASE_URL=${USER_DATABASE}`,
  `KAFKA_BROKERS=${NOWHERE}`,
  'POS_TOPIC=CompanyPointOfSale',
  `POS_TEST_KAFKA_BROKERS=${NOWHERE}`,
  `POS_TEST_DATABASE_URL=${USER_DATABASE}`,
  '',
].join('\n');

/** The server's identity: equal identifiers mean the same PostgreSQL cluster. */
async function systemIdentifier(): Promise<string | undefined> {
  const [row] = await withServerClient(testDatabaseServer(), (db) =>
    db.query<{ id: string }>('select system_identifier::text as id from pg_control_system()'),
  );
  return row?.id;
}

describe("tests never touch the user's own cluster or warehouse", () => {
  test("a spawned pos gets PATH and HOME of the tests' environment and what the test passes, none of the user's settings", () => {
    const parent = { PATH: '/usr/bin:/bin', HOME: '/home/someone', ...USER_SHELL };
    assert.deepEqual(cliEnvironment({}, parent), { PATH: '/usr/bin:/bin', HOME: '/home/someone', LOG_FORMAT: 'json' });
    const given = { DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/pos_test_x', KAFKA_BROKERS: '127.0.0.1:40000' };
    assert.deepEqual(cliEnvironment(given, parent), {
      PATH: '/usr/bin:/bin',
      HOME: '/home/someone',
      LOG_FORMAT: 'json',
      ...given,
    });
    // What the global setup removes from the test processes, and what it keeps.
    for (const name of Object.keys(USER_SHELL)) assert.ok(isUserSetting(name), name);
    for (const name of [
      'POS_TEST_KAFKA_BROKERS',
      'POS_TEST_DATABASE_URL',
      'POS_TEST_PG_BIN',
      'LOG_LEVEL',
      'PATH',
      'HOME',
      'JAVA_HOME',
    ]) {
      assert.equal(isUserSetting(name), false, name);
    }
  });

  describe('with a shell and a .env in the working directory that name another cluster and warehouse', () => {
    let folder: string;
    let checkout: string;
    const brokers = testBrokers();
    const server = testDatabaseServer();

    before(async () => {
      folder = await mkdtemp(join(tmpdir(), 'pos-isolation-'));
      await writeFile(join(folder, '.env'), USER_DOTENV);
      await writeFile(join(folder, 'client.properties'), `bootstrap.servers=${NOWHERE}\n`);
      checkout = process.cwd();
      process.chdir(folder);
      Object.assign(process.env, USER_SHELL);
    });

    after(async () => {
      for (const name of Object.keys(USER_SHELL)) delete process.env[name];
      process.chdir(checkout);
      await rm(folder, { recursive: true, force: true });
    });

    test('the helpers still resolve to the test broker and the test server', () => {
      assert.deepEqual(testBrokers(), brokers);
      assert.deepEqual(testDatabaseServer(), server);
      assert.notEqual(server.port, 1);
      assert.ok(!brokers.includes(NOWHERE));
    });

    test('a spawned pos sees neither: the local broker and the embedded database of its own folder', async () => {
      const status = await runCli(['kafka', 'status']);
      const printed = `${status.stdout}\n${status.stderr}`;
      // Not running (exit 3), and not probed: a local broker that is not running is not contacted.
      assert.equal(status.code, 3, printed);
      assert.match(status.stdout, /^Kafka: +127\.0\.0\.1:9092 \(local broker/m);
      assert.doesNotMatch(printed, /127\.0\.0\.1:1\b|external cluster/);

      const migrate = await runCli(['db', 'migrate']);
      assert.equal(migrate.code, 0, migrate.stderr);
      assert.match(migrate.stdout, /^embedded PostgreSQL \(PGlite\) in .*: applied \d+ migrations?/m);
      assert.doesNotMatch(`${migrate.stdout}\n${migrate.stderr}`, /company|127\.0\.0\.1:1\b/);
    });

    test('a test run there uses the test broker and the test server, and says so', { timeout: 180_000 }, async () => {
      const output = join(folder, 'probe.json');
      const env: Environment = {
        ...process.env,
        POS_TEST_KAFKA_BROKERS: brokers.join(','),
        POS_ISOLATION_PROBE_OUTPUT: output,
      };
      // Else the nested runner reports to this one's runner as a subtest would.
      delete env.NODE_TEST_CONTEXT;
      const run = spawnSync(
        process.execPath,
        [
          '--test',
          `--test-global-setup=${PROJECT_ROOT}test/integration/support/global-setup.ts`,
          `${PROJECT_ROOT}test/integration/support/isolation-probe.ts`,
        ],
        { cwd: folder, env, encoding: 'utf8', timeout: 170_000 },
      );
      const printed = `exit ${run.status}\n${run.stdout}\n${run.stderr}`;
      assert.equal(run.status, 0, printed);
      assert.ok(
        run.stdout.includes(
          `Tests use Kafka at ${brokers.join(',')} (POS_TEST_KAFKA_BROKERS) and PostgreSQL at ${describeDatabase(server)} (throwaway databases)`,
        ),
        printed,
      );
      const probe = JSON.parse(await readFile(output, 'utf8')) as {
        brokers: string[];
        clusterId: string;
        server: { host: string; port: number; systemIdentifier: string };
      };
      assert.deepEqual(probe.brokers, brokers);
      assert.equal(probe.clusterId, (await fetchClusterMetadata(testKafka())).id);
      assert.deepEqual(probe.server, { host: server.host, port: server.port, systemIdentifier: await systemIdentifier() });
    });
  });
});
