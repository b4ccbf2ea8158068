import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { test } from 'node:test';
import { fetchClusterMetadata } from '../../../src/kafka/admin.ts';
import { withServerClient } from '../../../src/warehouse/database.ts';
import { createTestDatabase, isUserSetting, testBrokers, testKafka } from './environment.ts';

/**
 * Not a test of its own (no `.test.ts`): test/integration/test-isolation.test.ts runs it under the
 * global setup in a folder whose `.env`, and with an environment whose settings, name another
 * cluster and warehouse. It uses the helpers as any test does and writes where they led to
 * POS_ISOLATION_PROBE_OUTPUT.
 */
test('the test helpers lead to the test broker and the test server only', async () => {
  assert.deepEqual(Object.keys(process.env).filter(isUserSetting), [], 'the global setup left user settings in the environment');
  const metadata = await fetchClusterMetadata(testKafka());
  const database = await createTestDatabase();
  try {
    const [row] = await withServerClient(database.config, (db) =>
      db.query<{ database: string; server: string }>(
        'select current_database() as database, system_identifier::text as server from pg_control_system()',
      ),
    );
    assert.equal(row?.database, database.config.database);
    const output = process.env.POS_ISOLATION_PROBE_OUTPUT;
    assert.ok(output, 'POS_ISOLATION_PROBE_OUTPUT is not set');
    await writeFile(
      output,
      JSON.stringify({
        brokers: testBrokers(),
        clusterId: metadata.id,
        server: { host: database.config.host, port: database.config.port, systemIdentifier: row?.server },
      }),
    );
  } finally {
    await database.drop();
  }
});
