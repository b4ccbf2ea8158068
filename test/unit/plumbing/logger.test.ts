import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { loadConfig } from '../../../src/plumbing/config.ts';
import { createLogger } from '../../../src/plumbing/logger.ts';

describe('the logger masks secrets wherever they sit in a logged object', () => {
  const folder = mkdtempSync(join(tmpdir(), 'pos-logger-'));
  after(() => rmSync(folder, { recursive: true, force: true }));

  /** What the logger wrote for `fields`: the line, and the value at a dotted path of its JSON. */
  const logged = (fields: Record<string, unknown>) => {
    const file = join(folder, `${Math.random().toString(36).slice(2)}.log`);
    createLogger({ format: 'json', file }).info(fields, 'logged');
    const line = readFileSync(file, 'utf8').trim();
    const json: unknown = JSON.parse(line);
    const at = (path: string) => path.split('.').reduce<unknown>((value, key) => (value as Record<string, unknown>)?.[key], json);
    return { line, at };
  };

  test('a whole config: the database password and URL, the SASL user and password, the role passwords', () => {
    const config = loadConfig({
      cwd: folder,
      env: {
        DATABASE_URL: 'postgres://owner:db-secret@db.example.com:5432/pos',
        KAFKA_BROKERS: 'kafka.example.com:9093',
        KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
        KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
        KAFKA_SASL_USERNAME: 'sasl-user',
        KAFKA_SASL_PASSWORD: 'sasl-secret',
        POS_INGEST_PASSWORD: 'ingest-secret',
      },
    });
    const { line, at } = logged({ config });
    for (const secret of ['db-secret', 'sasl-user', 'sasl-secret', 'ingest-secret']) {
      assert.ok(!line.includes(secret), `${secret} is in the log line: ${line}`);
    }
    assert.equal(at('config.database.password'), '***');
    assert.equal(at('config.database.connectionString'), '***');
    assert.deepEqual(at('config.kafka.security.sasl'), { mechanism: '***', username: '***', password: '***' });
    assert.equal(at('config.rolePasswords.ingest'), '***');
    // What is not secret stays readable.
    assert.equal(at('config.database.host'), 'db.example.com');
    assert.deepEqual(at('config.kafka.brokers'), ['kafka.example.com:9093']);
    assert.equal(at('config.kafka.security.protocol'), 'SASL_SSL');
  });

  test('a password at the top, one level down and three levels down; sasl on its own and in client options', () => {
    const { line, at } = logged({
      password: 'top-secret',
      database: { user: 'ana', password: 'one-down' },
      a: { b: { c: { password: 'three-down' } } },
      security: { sasl: { username: 'u1', password: 'p1' } },
      options: { clientId: 'pos', sasl: { mechanism: 'PLAIN', username: 'u2', password: 'p2' } },
    });
    for (const secret of ['top-secret', 'one-down', 'three-down', 'u1', 'p1', 'u2', 'p2']) {
      assert.ok(!line.includes(`"${secret}"`), `${secret} is in the log line: ${line}`);
    }
    for (const path of ['password', 'database.password', 'a.b.c.password', 'security.sasl.password', 'options.sasl.username']) {
      assert.equal(at(path), '***', path);
    }
    assert.equal(at('database.user'), 'ana');
    assert.equal(at('options.clientId'), 'pos');
  });
});
