import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { findFreePort } from '../../src/broker/local-broker.ts';
import { createLogger } from '../../src/plumbing/logger.ts';
import { openWarehouse } from '../../src/warehouse/database.ts';
import { createTestDatabase, runCli, type TestDatabase } from './support/environment.ts';

describe('pos db migrate | reset on an empty database', () => {
  let database: TestDatabase;
  const schemas = async () => {
    const client = new pg.Client(database.url);
    await client.connect();
    try {
      const { rows } = await client.query<{ schema_name: string }>(
        "select schema_name from information_schema.schemata where schema_name = 'pos'",
      );
      const { rows: migrations } = await client.query<{ n: string }>(
        "select count(*) as n from information_schema.tables where table_schema = 'pos' and table_name = 'schema_migrations'",
      );
      return { pos: rows.length === 1, migrationsTable: migrations[0]?.n === '1' };
    } finally {
      await client.end();
    }
  };

  before(async () => {
    database = await createTestDatabase();
  });
  after(() => database.drop());

  test('the first migrate applies every migration into the schema pos', async () => {
    assert.deepEqual(await schemas(), { pos: false, migrationsTable: false });
    const result = await runCli(['db', 'migrate'], { env: { DATABASE_URL: database.url } });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /applied \d+ migrations?: 0000_create_schema/);
    assert.deepEqual(await schemas(), { pos: true, migrationsTable: true });
  });

  test('the second migrate is a no-op', async () => {
    const result = await runCli(['db', 'migrate'], { env: { DATABASE_URL: database.url } });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /up to date/);
  });

  test('reset refuses without --yes and changes nothing', async () => {
    const result = await runCli(['db', 'reset'], { env: { DATABASE_URL: database.url } });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /--yes/);
    assert.deepEqual(await schemas(), { pos: true, migrationsTable: true });
  });

  test('reset --yes drops the schema and migrates it again', async () => {
    const result = await runCli(['db', 'reset', '--yes'], { env: { DATABASE_URL: database.url } });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /Dropped the schema "pos"/);
    assert.match(result.stdout, /applied \d+ migrations?/);
    assert.deepEqual(await schemas(), { pos: true, migrationsTable: true });
  });
});

test('a connection failure names host, port, database and user, with a hint, and never the password', async () => {
  const port = await findFreePort();
  const result = await runCli(['db', 'migrate'], {
    env: { PG_HOST: '127.0.0.1', PG_PORT: String(port), PG_DATABASE: 'sales', PG_USERNAME: 'analyst', PG_PASSWORD: 'hunter2' },
  });
  assert.equal(result.code, 1);
  assert.match(result.stderr, new RegExp(`PostgreSQL at 127\\.0\\.0\\.1:${port} \\(database "sales", user "analyst"`));
  assert.match(result.stderr, /Start PostgreSQL there/);
  assert.doesNotMatch(result.stderr + result.stdout, /hunter2/);
});

/** An address of this machine that is not loopback, if it has one. */
const outwardAddress = Object.values(networkInterfaces())
  .flat()
  .find((entry) => entry && entry.family === 'IPv4' && !entry.internal)?.address;

describe('sslmode=prefer that ends in plaintext to another machine', () => {
  let database: TestDatabase;
  let relay: Server;
  let folder: string;
  const sockets = new Set<Socket>();

  before(async () => {
    database = await createTestDatabase();
    folder = mkdtempSync(join(tmpdir(), 'pos-plaintext-'));
    // The shared server listens on loopback only: a TCP relay on an outward address of this
    // machine makes it "another machine" to pos, whose sessions still reach the real server.
    relay = createServer((client) => {
      const upstream = connect(database.config.port, database.config.host);
      for (const socket of [client, upstream]) {
        sockets.add(socket);
        socket.on('error', () => {}).on('close', () => sockets.delete(socket));
      }
      client.pipe(upstream).pipe(client);
    });
    if (outwardAddress) await new Promise<void>((resolve) => relay.listen(0, outwardAddress, resolve));
  });
  after(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => relay.close(resolve));
    await database.drop();
    rmSync(folder, { recursive: true, force: true });
  });

  test('warns once, naming the host, however many connections and warehouses; never with the password', {
    skip: outwardAddress ? false : 'this machine has no address besides loopback',
  }, async () => {
    const address = relay.address();
    assert.ok(address && typeof address === 'object');
    const file = join(folder, 'log.json');
    const logger = createLogger({ format: 'json', file });
    const config = { ...database.config, host: outwardAddress as string, port: address.port, password: 'relay-secret' };
    let encrypted: boolean | undefined;
    for (let round = 0; round < 2; round++) {
      const warehouse = await openWarehouse(config, { logger, maxConnections: 3 });
      try {
        // Several connections of the pool at once.
        const sessions = await Promise.all(
          [1, 2, 3].map(() =>
            warehouse.query<{ ssl: boolean }>('select ssl, pg_sleep(0.2) from pg_stat_ssl where pid = pg_backend_pid()'),
          ),
        );
        encrypted = sessions.every(([session]) => session?.ssl === true);
      } finally {
        await warehouse.close();
      }
    }
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    const warnings = lines.map((line) => JSON.parse(line) as { level: number; msg: string }).filter((line) => line.level === 40);
    // The shared server as a rule has no TLS; should it have it, prefer uses it and nothing is said.
    assert.equal(warnings.length, encrypted ? 0 : 1, lines.join('\n'));
    if (!encrypted) {
      assert.match(
        warnings[0]?.msg ?? '',
        new RegExp(`PostgreSQL at ${outwardAddress?.replaceAll('.', '\\.')}:${address.port} does not offer TLS`),
      );
      assert.match(warnings[0]?.msg ?? '', /set sslmode=verify-full with sslrootcert/);
    }
    assert.ok(!lines.join('\n').includes('relay-secret'), 'the password is in the log');
  });
});
