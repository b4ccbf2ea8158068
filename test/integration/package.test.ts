import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { PROJECT_ROOT, testBrokers, uniqueName } from './support/environment.ts';

const run = promisify(execFile);
const version = JSON.parse(await readFile(join(PROJECT_ROOT, 'package.json'), 'utf8')).version as string;

/**
 * npm, as the checkout's scripts run it; PATH starts at this Node (24), which `#!/usr/bin/env node`
 * then finds too. npm looks for its global config beside the Node that runs it, so the one the
 * machine's npm uses is named, with the certificates and proxies the registry is reached through.
 */
function npmEnvironment(): Record<string, string | undefined> {
  const passed = ['npm_config_globalconfig', 'npm_config_userconfig', 'npm_config_cafile', 'NODE_EXTRA_CA_CERTS'];
  const proxies = Object.keys(process.env).filter((name) => /^(https?|no)_proxy$/i.test(name));
  return {
    ...Object.fromEntries([...passed, ...proxies].map((name) => [name, process.env[name]])),
    PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ''}`,
    HOME: process.env.HOME,
    npm_config_update_notifier: 'false',
    npm_config_fund: 'false',
    npm_config_audit: 'false',
  };
}

interface PackedFile {
  path: string;
}

describe('the published package: packed, installed into an empty folder, run without a checkout', () => {
  let packFolder: string;
  let installFolder: string;
  let tarball: string;

  before(async () => {
    packFolder = await mkdtemp(join(tmpdir(), 'pos-pack-'));
    installFolder = await mkdtemp(join(tmpdir(), 'pos-install-'));
  });
  after(async () => {
    await rm(packFolder, { recursive: true, force: true });
    await rm(installFolder, { recursive: true, force: true });
  });

  test('npm pack holds the build, migrations, schemas, the page and the broker pom, and nothing of tests or benchmarks', {
    timeout: 240_000,
  }, async () => {
    const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', packFolder], {
      cwd: PROJECT_ROOT,
      env: npmEnvironment(),
      maxBuffer: 64 * 1024 * 1024,
      timeout: 200_000,
    });
    const [packed] = JSON.parse(stdout.slice(stdout.indexOf('['))) as { filename: string; files: PackedFile[] }[];
    assert.ok(packed);
    tarball = join(packFolder, packed.filename);
    const files = packed.files.map((file) => file.path);
    for (const expected of [
      'bin/pos.js',
      'dist/cli/main.js',
      'dist/index.js',
      'dist/index.d.ts',
      'dist/ingest/prepare-worker.js',
      'migrations/0000_create_schema.sql',
      'migrations/meta/_journal.json',
      'schemas/pos-transaction.v1.json',
      'src/dashboard/page/index.html',
      'kafka/pom.xml',
      'assets/embedded-database.tar.gz',
      'assets/embedded-database.json',
      'CHANGELOG.md',
      'README.md',
      'LICENSE',
    ]) {
      assert.ok(files.includes(expected), `${expected} is not in the package`);
    }
    const unwanted = files.filter((file) => /^(test|bench|\.ci)\/|\.test\.|^src\/(?!dashboard\/page\/)/.test(file));
    assert.deepEqual(unwanted, []);
  });

  test('installed from the tarball: pos --version, pos start --duration 10s on the test broker, pos report sales-by-store', {
    timeout: 480_000,
  }, async () => {
    assert.ok(tarball, 'the pack test ran first');
    const env = npmEnvironment();
    await run('npm', ['install', '--no-save', '--prefer-offline', '--no-audit', '--no-fund', tarball], {
      cwd: installFolder,
      env,
      maxBuffer: 64 * 1024 * 1024,
      timeout: 240_000,
    });
    // The installed bin, through npx, as a user in that folder runs it.
    const pos = (args: string[], extra: Record<string, string> = {}) =>
      run('npx', ['--no-install', 'pos', ...args], {
        cwd: installFolder,
        env: { ...env, LOG_FORMAT: 'json', ...extra },
        maxBuffer: 64 * 1024 * 1024,
        timeout: 240_000,
      });

    const { stdout: printed } = await pos(['--version']);
    assert.equal(printed.trim(), version);

    const kafka = { KAFKA_BROKERS: testBrokers().join(','), POS_TOPIC: uniqueName('package') };
    const started = await pos(
      ['start', '--duration', '10s', '--rate', '20', '--no-web', '--group', uniqueName('package')],
      kafka,
    );
    const ran = /Ran \d+ s: ([\d,]+) transactions produced, ([\d,]+) landed in the warehouse/.exec(started.stdout);
    assert.ok(ran, started.stdout);
    assert.ok(Number((ran[2] as string).replaceAll(',', '')) > 0, started.stdout);
    // The build ran, not a source tree: the dashboard page came from the package, and the embedded
    // database was loaded from the package's initdb template.
    assert.doesNotMatch(started.stderr, /Cannot find module|ERR_UNKNOWN_FILE_EXTENSION/);
    assert.match(started.stderr, /"from":"template".*Created the embedded database/);

    const report = await pos(['report', 'sales-by-store', '--format', 'json']);
    const rows = JSON.parse(report.stdout) as { store_id: string; transactions: number }[];
    assert.ok(rows.length > 0);
    assert.equal(
      rows.reduce((sum, row) => sum + Number(row.transactions), 0),
      Number((ran[2] as string).replaceAll(',', '')),
    );
  });
});
