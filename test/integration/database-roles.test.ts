import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ProduceAcks, Producer } from '@platformatic/kafka';
import type { TransactionMessage } from '../../src/contract/message.ts';
import { databaseUrl } from '../../src/plumbing/config.ts';
import { openWarehouse, type Warehouse } from '../../src/warehouse/database.ts';
import { scramSha256Verifier } from '../../src/warehouse/scram.ts';
import {
  type CliResult,
  createTestDatabase,
  runCli,
  serverQuery,
  type TestDatabase,
  testBrokers,
  uniqueName,
} from './support/environment.ts';
import { expectedFigures, produceBacklog, warehouseFigures } from './support/ingest.ts';

// Roles are cluster-wide: names of this run's own, dropped at the end. (The local server trusts
// every login, so the passwords themselves are checked by database-tls.test.ts, which asks for them.)
const ingest = { name: uniqueName('pos_ingest'), password: `ingest-${uniqueName('secret')}` };
const reader = { name: uniqueName('pos_reader'), password: `reader-${uniqueName('secret')}` };
const BACKLOG = 1_500;

describe('pos db grant: an ingest role and a reader role with no more than they need', () => {
  let database: TestDatabase;
  let owner: Warehouse;
  let messages: TransactionMessage[];
  const topic = uniqueName('roles');
  const outputs: string[] = [];
  const urlAs = (role: { name: string; password: string }, db = database) =>
    databaseUrl({ ...db.config, user: role.name, password: role.password });
  const pos = async (args: string[], env: Record<string, string>): Promise<CliResult> => {
    const result = await runCli(args, { env: { KAFKA_BROKERS: testBrokers().join(','), ...env } });
    outputs.push(result.stdout, result.stderr);
    return result;
  };
  const grant = () =>
    pos(['db', 'grant', '--ingest-role', ingest.name, '--reader-role', reader.name], {
      DATABASE_URL: database.url,
      POS_INGEST_PASSWORD: ingest.password,
      POS_READER_PASSWORD: reader.password,
    });
  /** The SQLSTATE with which `sql`, run as `role`, fails; undefined if it succeeds. */
  const refusal = async (role: { name: string; password: string }, sql: string): Promise<string | undefined> => {
    const warehouse = await openWarehouse({ ...database.config, user: role.name, password: role.password });
    try {
      await warehouse.transaction((tx) => tx.query(sql));
      return undefined;
    } catch (error) {
      return (error as { code?: string }).code;
    } finally {
      await warehouse.close();
    }
  };

  before(async () => {
    database = await createTestDatabase();
    owner = await openWarehouse(database.config);
    messages = await produceBacklog(topic, BACKLOG, 11);
    // Two messages the consumer must dead-letter: the ingest role writes the dead letters and their outbox too.
    const producer = new Producer({ clientId: 'test-roles', bootstrapBrokers: testBrokers(), acks: ProduceAcks.ALL });
    for (const value of ['not json', '{"schema_version": 1}']) {
      await producer.send({ messages: [{ topic, key: Buffer.from('S001'), value: Buffer.from(value) }] });
    }
    await producer.close();
  });
  after(async () => {
    try {
      for (const secret of [ingest.password, reader.password]) {
        assert.ok(!outputs.join('\n').includes(secret), 'a password appears in the output or the logs');
      }
    } finally {
      await owner?.close();
      await database?.drop();
      // The privileges went with the database; the roles are the cluster's.
      for (const role of [ingest, reader]) await serverQuery(`drop role if exists "${role.name}"`);
    }
  });

  test('run as the owner, it migrates, creates both roles with SCRAM passwords, and running it again changes nothing', async () => {
    const first = await grant();
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /applied \d+ migrations/);
    assert.match(first.stdout, new RegExp(`Role ${ingest.name} \\(created, password set\\): select, insert, update`));
    assert.match(first.stdout, new RegExp(`Role ${reader.name} \\(created, password set\\): select on schema pos`));

    const privileges = () =>
      owner.query(
        `select grantee, table_name, string_agg(privilege_type, ',' order by privilege_type) as privileges
           from information_schema.role_table_grants
          where table_schema = 'pos' and grantee in ($1, $2) group by grantee, table_name order by grantee, table_name`,
        [ingest.name, reader.name],
      );
    const granted = await privileges();
    const second = await grant();
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, new RegExp(`Role ${ingest.name} \\(updated, password set\\)`));
    assert.deepEqual(await privileges(), granted);

    const of = (role: string, table: string) =>
      granted.find((row) => row.grantee === role && row.table_name === table)?.privileges ?? 'none';
    assert.equal(of(ingest.name, 'dim_store'), 'INSERT,SELECT,UPDATE');
    assert.equal(of(ingest.name, 'ingest_offset'), 'INSERT,SELECT,UPDATE');
    assert.equal(of(ingest.name, 'dead_letter'), 'INSERT,SELECT,UPDATE');
    assert.equal(of(ingest.name, 'fact_transaction'), 'INSERT,SELECT');
    assert.equal(of(ingest.name, 'schema_migrations'), 'SELECT');
    assert.ok(granted.every((row) => !/DELETE|TRUNCATE|REFERENCES|TRIGGER/.test(String(row.privileges))));
    assert.ok(granted.filter((row) => row.grantee === reader.name).every((row) => row.privileges === 'SELECT'));

    // The server holds verifiers only: psql's \password and pos db grant never send a password.
    const stored = await owner.query<{ rolpassword: string }>('select rolpassword from pg_authid where rolname = any($1)', [
      [ingest.name, reader.name],
    ]);
    assert.equal(stored.length, 2);
    for (const { rolpassword } of stored) assert.match(rolpassword, /^SCRAM-SHA-256\$4096:/);
  });

  test('the passwords may come from .env in the working directory, as every other setting does', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'pos-grant-env-'));
    try {
      // Forget the passwords the first test set, so that only .env can set them again.
      for (const role of [ingest, reader]) await owner.query(`alter role "${role.name}" password null`);
      writeFileSync(join(folder, '.env'), `POS_INGEST_PASSWORD=${ingest.password}\nPOS_READER_PASSWORD=${reader.password}\n`);
      const result = await runCli(['db', 'grant', '--ingest-role', ingest.name, '--reader-role', reader.name], {
        env: { DATABASE_URL: database.url },
        cwd: folder,
      });
      outputs.push(result.stdout, result.stderr);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, new RegExp(`Role ${ingest.name} \\(updated, password set\\)`));
      assert.match(result.stdout, new RegExp(`Role ${reader.name} \\(updated, password set\\)`));
      // The stored verifier is the one of the password in .env: made again from its salt, it is the same.
      for (const role of [ingest, reader]) {
        const [row] = await owner.query<{ rolpassword: string | null }>('select rolpassword from pg_authid where rolname = $1', [
          role.name,
        ]);
        const [, iterations, salt] = /^SCRAM-SHA-256\$(\d+):([^$]+)\$/.exec(row?.rolpassword ?? '') ?? [];
        assert.ok(iterations && salt, `${role.name} has no SCRAM verifier`);
        assert.equal(row?.rolpassword, scramSha256Verifier(role.password, Buffer.from(salt, 'base64'), Number(iterations)));
      }
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  test('pos db grant run by a user that does not own the schema refuses, naming the owner', async () => {
    const result = await pos(['db', 'grant', '--ingest-role', ingest.name, '--reader-role', reader.name], {
      DATABASE_URL: urlAs(reader),
    });
    assert.equal(result.code, 1, result.stderr);
    assert.match(
      result.stderr,
      new RegExp(`User "${reader.name}" may not grant on the schema "pos" .*its owner is "${database.config.user}"`),
    );
  });

  test('pos consume as the ingest role lands the backlog and dead-letters bad input', { timeout: 180_000 }, async () => {
    const result = await pos(['consume', '--topic', topic, '--group', uniqueName('roles'), '--until-idle', '3s'], {
      DATABASE_URL: urlAs(ingest),
    });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, new RegExp(`${BACKLOG.toLocaleString('en-US')} transactions landed.* 2 dead letters`));
    assert.match(result.stderr, new RegExp(`"database":"${ingest.name}@`));
    assert.doesNotMatch(result.stderr, /permission denied/);
    assert.deepEqual(await warehouseFigures(owner), expectedFigures(messages));
  });

  test('pos report as the reader works; the reader cannot insert, update or delete', async () => {
    const report = await pos(['report', 'sales-by-store', '--format', 'csv'], { DATABASE_URL: urlAs(reader) });
    assert.equal(report.code, 0, report.stderr);
    const rows = report.stdout.trim().split('\n').slice(1);
    assert.equal(
      rows.reduce((sum, row) => sum + Number(row.split(',').at(-4)), 0),
      BACKLOG,
    );
    assert.equal(
      await refusal(
        reader,
        "insert into pos.dim_date (date_key, full_date, year, quarter, month, month_name, day_of_month, iso_day_of_week, day_name, iso_week, iso_year, is_weekend) values (20990101, '2099-01-01', 2099, 1, 1, 'January', 1, 4, 'Thursday', 1, 2099, false)",
      ),
      '42501',
    );
    assert.equal(await refusal(reader, "update pos.dim_store set name = 'x'"), '42501');
    assert.equal(await refusal(reader, 'delete from pos.dead_letter'), '42501');
  });

  test('the ingest role cannot create, alter, drop, truncate or delete; it may use temporary tables', async () => {
    assert.equal(await refusal(ingest, 'create table pos.scratch (id int)'), '42501');
    assert.equal(await refusal(ingest, 'create table public.scratch (id int)'), '42501');
    assert.equal(await refusal(ingest, 'drop table pos.fact_sales_line'), '42501');
    assert.equal(await refusal(ingest, 'alter table pos.dim_store add column extra int'), '42501');
    assert.equal(await refusal(ingest, 'truncate pos.dead_letter'), '42501');
    assert.equal(await refusal(ingest, 'delete from pos.fact_transaction'), '42501');
    assert.equal(await refusal(ingest, 'update pos.fact_transaction set total = 0'), '42501');
    assert.equal(await refusal(ingest, "insert into pos.schema_migrations (hash, created_at) values ('x', 0)"), '42501');
    assert.equal(await refusal(ingest, 'create temporary table staging (id int)'), undefined);
  });

  test("a database behind this version: as the ingest role, consume and migrate say that migrations are the owner's job", async () => {
    const [newest] = await owner.query<{ id: number; hash: string; created_at: string }>(
      'delete from pos.schema_migrations where created_at = (select max(created_at) from pos.schema_migrations) returning id, hash, created_at::text',
    );
    assert.ok(newest);
    try {
      for (const args of [
        ['consume', '--topic', topic, '--until-idle', '3s'],
        ['db', 'migrate'],
      ]) {
        const result = await pos(args, { DATABASE_URL: urlAs(ingest) });
        assert.equal(result.code, 1, result.stderr);
        assert.match(result.stderr, /is behind this version of pos \(1 migration to apply: \w+\)/);
        assert.match(result.stderr, /migrations are the owner's job: run `pos db migrate` as the owner/);
      }
    } finally {
      await owner.query('insert into pos.schema_migrations (id, hash, created_at) values ($1, $2, $3)', [
        newest.id,
        newest.hash,
        newest.created_at,
      ]);
    }
    // A database never migrated at all: the same, with every migration to apply.
    const fresh = await createTestDatabase();
    try {
      const result = await pos(['db', 'migrate'], { DATABASE_URL: urlAs(ingest, fresh) });
      assert.equal(result.code, 1, result.stderr);
      assert.match(result.stderr, /is behind this version of pos \(\d+ migrations to apply: 0000_create_schema/);
      assert.match(result.stderr, /migrations are the owner's job/);
    } finally {
      await fresh.drop();
    }
  });
});
