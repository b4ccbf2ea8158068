import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { findFreePort } from '../../src/broker/local-broker.ts';
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
