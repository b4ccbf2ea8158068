import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { describeDatabase, loadConfig } from '../../../src/plumbing/config.ts';
import { ConfigError } from '../../../src/plumbing/errors.ts';

const emptyDir = () => mkdtempSync(join(tmpdir(), 'pos-config-'));
const load = (env: Record<string, string>, cwd = emptyDir()) => loadConfig({ env, cwd });

describe('loadConfig', () => {
  test('the metrics endpoint: off and on 127.0.0.1 by default; POS_METRICS_PORT (0: any free port) and POS_METRICS_HOST', () => {
    assert.deepEqual(load({}).metrics, { port: undefined, host: '127.0.0.1' });
    assert.deepEqual(load({ POS_METRICS_PORT: '0', POS_METRICS_HOST: '0.0.0.0' }).metrics, { port: 0, host: '0.0.0.0' });
    assert.equal(load({ POS_METRICS_PORT: '9464' }).metrics.port, 9464);
    assert.throws(() => load({ POS_METRICS_PORT: 'http' }), ConfigError);
    assert.throws(() => load({ POS_METRICS_PORT: '70000' }), /POS_METRICS_PORT must be a port number from 0 to 65535/);
  });

  test('defaults: the embedded database in .pos/pgdata, the local broker on 9092, topic PointOfSale', () => {
    const cwd = emptyDir();
    const config = load({}, cwd);
    assert.deepEqual(config.database, { kind: 'embedded', dataDir: join(cwd, '.pos', 'pgdata') });
    assert.equal(describeDatabase(config.database), `embedded PostgreSQL (PGlite) in ${join(cwd, '.pos', 'pgdata')}`);
    assert.deepEqual(config.kafka, { brokers: ['127.0.0.1:9092'], security: { protocol: 'PLAINTEXT' }, external: false });
    assert.equal(config.topic, 'PointOfSale');
    assert.equal(config.dataDir, join(cwd, '.pos'));
  });

  test("the prototype's PG_* variables name a server; any one of them is enough, the others default", () => {
    const config = load({
      PG_USERNAME: 'ana',
      PG_PASSWORD: 's3cret',
      PG_HOST: 'db.local',
      PG_PORT: '6543',
      PG_DATABASE: 'sales',
    });
    assert.equal(describeDatabase(config.database), 'ana@db.local:6543/sales');
    assert.ok(config.database.kind === 'server');
    assert.deepEqual([config.database.source, config.database.password], ['PG_* variables', 's3cret']);
    assert.equal(describeDatabase(load({ PG_PASSWORD: 'x' }).database), 'postgres@127.0.0.1:5432/postgres');
  });

  test('DATABASE_URL wins over PG_* and keeps its query options for the driver', () => {
    const url = 'postgresql://bo:p%40ss@warehouse:5433/dw?sslmode=require';
    const { database } = load({ DATABASE_URL: url, PG_HOST: 'ignored' });
    assert.equal(describeDatabase(database), 'bo@warehouse:5433/dw');
    assert.ok(database.kind === 'server');
    assert.deepEqual([database.source, database.password, database.connectionString], ['DATABASE_URL', 'p@ss', url]);
  });

  test('the environment wins over .env, which fills the gaps', () => {
    const cwd = emptyDir();
    writeFileSync(join(cwd, '.env'), 'POS_TOPIC=FromDotEnv\nKAFKA_BROKERS=kafka-a:9092, kafka-b:9093\nPG_PORT=5544\n');
    const config = load({ POS_TOPIC: 'FromEnv' }, cwd);
    assert.equal(config.topic, 'FromEnv');
    assert.deepEqual(config.kafka, {
      brokers: ['kafka-a:9092', 'kafka-b:9093'],
      security: { protocol: 'PLAINTEXT' },
      external: true,
    });
    assert.equal(describeDatabase(config.database), 'postgres@127.0.0.1:5544/postgres');
  });

  test("pos db grant's role passwords come from .env too; the environment wins; a blank one is none", () => {
    const cwd = emptyDir();
    writeFileSync(join(cwd, '.env'), 'POS_INGEST_PASSWORD=from-dot-env\nPOS_READER_PASSWORD=reader secret \n');
    assert.deepEqual(load({}, cwd).rolePasswords, { ingest: 'from-dot-env', reader: 'reader secret' });
    assert.deepEqual(load({ POS_INGEST_PASSWORD: 'from-env', POS_READER_PASSWORD: '  ' }, cwd).rolePasswords, {
      ingest: 'from-env',
      reader: undefined,
    });
    assert.deepEqual(load({}).rolePasswords, { ingest: undefined, reader: undefined });
  });

  const invalid: [string, Record<string, string>, RegExp][] = [
    ['a port that is not a number', { PG_PORT: 'five' }, /PG_PORT must be a port number/],
    ['a port out of range', { PG_PORT: '70000' }, /PG_PORT must be a port number/],
    ['a URL of another database', { DATABASE_URL: 'mysql://root@localhost/db' }, /must start with postgres:\/\//],
    ['a URL that is not one', { DATABASE_URL: 'not a url' }, /DATABASE_URL is not a valid URL/],
    ['a broker without a port', { KAFKA_BROKERS: 'localhost' }, /KAFKA_BROKERS has "localhost", which is not host:port/],
    ['a topic Kafka would refuse', { POS_TOPIC: 'point of sale' }, /POS_TOPIC "point of sale" is not a valid Kafka topic name/],
    ['an unknown log level', { LOG_LEVEL: 'loud' }, /LOG_LEVEL "loud" is not a log level/],
  ];
  for (const [what, env, message] of invalid) {
    test(`rejects ${what}, saying which setting and how to fix it`, () => {
      assert.throws(
        () => load(env),
        (error: unknown) => error instanceof ConfigError && message.test(error.message),
      );
    });
  }

  test('never repeats a password from a bad DATABASE_URL', () => {
    assert.throws(
      () => load({ DATABASE_URL: 'postgres://u:hunter2@host:notaport/db' }),
      (error: unknown) => error instanceof ConfigError && !`${error.message} ${error.hint}`.includes('hunter2'),
    );
  });
});
