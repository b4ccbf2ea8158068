import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { findFreePort } from '../../src/broker/local-broker.ts';
import type { TransactionMessage } from '../../src/contract/message.ts';
import { withAdmin } from '../../src/kafka/admin.ts';
import { PLAINTEXT } from '../../src/kafka/security.ts';
import { makeAuthority, openSsl } from '../../src/tls/certificates.ts';
import { openWarehouse } from '../../src/warehouse/database.ts';
import { type CliOptions, type CliResult, createTestDatabase, runCli, type TestDatabase } from './support/environment.ts';
import { expectedFigures, warehouseFigures } from './support/ingest.ts';

/**
 * `pos kafka up --secure` on a port and in a data directory of its own (never the shared broker):
 * the pipeline through SASL_SSL with the generated client config, mutual TLS, and the refusals
 * (plaintext, a wrong password, an untrusted CA, a group without an ACL), each quick and clear.
 */
describe('a secure local broker: SASL_SSL with SCRAM-SHA-512, TLS, ACLs', () => {
  let dataDir: string;
  let port: number;
  let database: TestDatabase;
  let clientProperties: string;
  let password: string;
  /** Everything every `pos` run wrote: no password may be in it. */
  const outputs: string[] = [];

  const env = (extra: Record<string, string> = {}) => ({ POS_DATA_DIR: dataDir, DATABASE_URL: database.url, ...extra });
  const pos = async (args: string[], options: CliOptions = {}): Promise<CliResult & { seconds: number }> => {
    const started = performance.now();
    const result = await runCli(args, { env: env(), ...options });
    outputs.push(result.stdout, result.stderr);
    return { ...result, seconds: (performance.now() - started) / 1000 };
  };

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'pos-kafka-secure-'));
    port = await findFreePort();
    database = await createTestDatabase();
  });
  after(async () => {
    await runCli(['kafka', 'down'], { env: { POS_DATA_DIR: dataDir } });
    await database.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  test('up --secure starts the broker, makes the certificates and user pos, and writes its client.properties (0600)', async () => {
    const up = await pos(['kafka', 'up', '--secure', '--port', String(port)]);
    assert.equal(up.code, 0, up.stderr);
    clientProperties = join(dataDir, 'kafka', 'client.properties');
    assert.match(up.stdout, new RegExp(`--kafka-config ${clientProperties.replaceAll('.', '\\.')}`));
    assert.equal(statSync(clientProperties).mode & 0o777, 0o600);
    const text = readFileSync(clientProperties, 'utf8');
    assert.match(
      text,
      new RegExp(`bootstrap\\.servers=127\\.0\\.0\\.1:${port}\\nsecurity\\.protocol=SASL_SSL\\nsasl\\.mechanism=SCRAM-SHA-512`),
    );
    password = /password="([^"]+)"/.exec(text)?.[1] ?? '';
    assert.ok(password.length >= 24, 'a generated password');
    for (const key of ['ca.key', 'broker.key', 'pos.key', 'broker-keystore.pem']) {
      assert.equal(statSync(join(dataDir, 'kafka', 'tls', key)).mode & 0o777, 0o600, key);
    }
  });

  test('simulate then consume through SASL_SSL with the generated config land the exact totals', async () => {
    const count = 1500;
    const seed = 11;
    const simulated = await pos([
      '--kafka-config',
      clientProperties,
      'simulate',
      '--count',
      String(count),
      '--seed',
      String(seed),
    ]);
    assert.equal(simulated.code, 0, simulated.stderr);
    assert.match(simulated.stdout, /Sent 1,500 transactions to PointOfSale/);
    const consumed = await pos(['--kafka-config', clientProperties, 'consume', '--until-idle', '3s']);
    assert.equal(consumed.code, 0, consumed.stderr);
    assert.match(consumed.stdout, /1,500 transactions landed/);
    // The same seed writes the same backlog, byte for byte: the expected figures from a dry run.
    const dry = await pos(['simulate', '--dry-run', '--count', String(count), '--seed', String(seed)]);
    const messages = dry.stdout
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as TransactionMessage);
    assert.equal(messages.length, count);
    const warehouse = await openWarehouse(database.config);
    try {
      assert.deepEqual(await warehouseFigures(warehouse), expectedFigures(messages));
    } finally {
      await warehouse.close();
    }
  });

  test('kafka status through the config shows how it connects, without the password', async () => {
    const status = await pos(['--kafka-config', clientProperties, 'kafka', 'status']);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /Access: {2}SASL_SSL, SCRAM-SHA-512 as pos, CA .*ca\.crt/);
    assert.match(status.stdout, /PointOfSale\.DLQ/);
  });

  test('kafka status with nothing configured finds the secure broker running and connects with its client.properties', async () => {
    const status = await pos(['kafka', 'status']);
    assert.equal(status.code, 0, status.stdout + status.stderr);
    assert.match(
      status.stdout,
      new RegExp(
        `Access: {2}SASL_SSL, SCRAM-SHA-512 as pos, CA .*ca\\.crt \\(from ${clientProperties.replaceAll('.', '\\.')}\\)`,
      ),
    );
    assert.match(status.stdout, /State: {3}running/);
    assert.match(status.stdout, /PointOfSale\.DLQ/);
  });

  test('a plaintext client is refused', async () => {
    await assert.rejects(
      withAdmin({ brokers: [`127.0.0.1:${port}`], security: PLAINTEXT }, (admin) =>
        admin.metadata({ topics: [], forceUpdate: true }),
      ),
    );
  });

  test('a wrong password: consume, simulate, start and kafka status exit 1 at once, naming the user, the mechanism and the address', async () => {
    const commands = [
      ['consume', '--until-idle', '3s'],
      ['simulate', '--count', '10'],
      ['start', '--duration', '5s'],
      ['kafka', 'status'],
    ];
    for (const command of commands) {
      const result = await pos(['--kafka-config', clientProperties, ...command], {
        env: env({ KAFKA_SASL_PASSWORD: 'not-the-password' }),
      });
      assert.equal(result.code, 1, `${command.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, new RegExp(`authentication failed for user pos with SCRAM-SHA-512 at 127\\.0\\.0\\.1:${port}`));
      assert.doesNotMatch(result.stderr + result.stdout, /not-the-password/);
      assert.ok(result.seconds < 30, `${command.join(' ')} took ${result.seconds} s`);
    }
  });

  test('an untrusted CA: exit 1 at once, saying so and naming the CA file', async () => {
    const otherCa = join(dataDir, 'other-ca.crt');
    await makeAuthority(openSsl('openssl'), {
      key: join(dataDir, 'other-ca.key'),
      cert: otherCa,
      subject: 'another CA',
      days: 1,
    });
    const result = await pos(['--kafka-config', clientProperties, 'simulate', '--count', '10'], {
      env: env({ KAFKA_SSL_CA_FILE: otherCa }),
    });
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, new RegExp(`not trusted by the CA file ${otherCa.replaceAll('.', '\\.')}`));
    assert.ok(result.seconds < 30, `took ${result.seconds} s`);
  });

  test('a group user pos has no ACL for: exit 1 at once, naming the operation and the group', async () => {
    const result = await pos(['--kafka-config', clientProperties, 'consume', '--group', 'not-granted', '--until-idle', '3s']);
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /User pos is not allowed to READ group not-granted/);
    assert.ok(result.seconds < 30, `took ${result.seconds} s`);
  });

  test('mutual TLS: the client certificate of pos is user pos, with its ACLs', async () => {
    const mtls = join(dataDir, 'kafka', 'client-mtls.properties');
    assert.match(
      readFileSync(mtls, 'utf8'),
      /security\.protocol=SSL\nssl\.ca\.location=.*\nssl\.certificate\.location=.*pos\.crt/,
    );
    const result = await pos(['--kafka-config', mtls, 'simulate', '--count', '100', '--seed', '3']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /Sent 100 transactions to PointOfSale/);
  });

  test('the password is in no output, broker log, broker config or command line', () => {
    assert.ok(password);
    for (const output of outputs) assert.ok(!output.includes(password), `a pos run printed the password:\n${output}`);
    const kafkaDir = join(dataDir, 'kafka');
    const files = [
      join(kafkaDir, 'server.properties'),
      join(kafkaDir, 'broker.json'),
      ...readdirSync(join(kafkaDir, 'logs')).map((name) => join(kafkaDir, 'logs', name)),
    ];
    for (const file of files) assert.ok(!readFileSync(file, 'utf8').includes(password), `${file} has the password`);
    const pid = Number(readFileSync(join(kafkaDir, 'broker.pid'), 'utf8'));
    assert.ok(!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(password), 'the broker command line has the password');
  });
});
