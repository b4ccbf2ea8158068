import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findFreePort, startLocalBroker, stopLocalBroker } from '../../../src/broker/local-broker.ts';
import { waitForBroker } from '../../../src/kafka/admin.ts';
import { describeDatabase } from '../../../src/plumbing/config.ts';
import { errorMessage } from '../../../src/plumbing/errors.ts';
import { createLogger } from '../../../src/plumbing/logger.ts';
import { isUserSetting, testBrokers, testDatabaseServer, testKafka } from './environment.ts';
import { ensureChromium, ensurePrometheus } from './prerequisites.ts';

/**
 * Prerequisites for the run (prerequisites.ts), and one Kafka broker for the whole test run, shared
 * through POS_TEST_KAFKA_BROKERS: the broker that variable names, when set, else one started for the
 * run on a free port in a temporary folder with the same code as `pos kafka up`, and stopped at the
 * end. Tests use topics of their own. Never the user's cluster or warehouse: their settings
 * (DATABASE_URL, PG_*, KAFKA_*, POS_TOPIC …) are removed from the test processes' environment, and
 * nothing here reads `.env`.
 */
let startedIn: string | undefined;

export async function globalSetup(): Promise<void> {
  // The test files' processes inherit this environment: without the user's settings.
  for (const name of Object.keys(process.env)) if (isUserSetting(name)) delete process.env[name];
  // The monitoring tests need Prometheus: installed here when missing and possible (root, apt).
  ensurePrometheus();
  // The dashboard tests drive Debian's Chromium.
  ensureChromium();
  const database = describeDatabase(testDatabaseServer());
  let kafka: string;
  if (process.env.POS_TEST_KAFKA_BROKERS?.trim()) {
    const brokers = testBrokers().join(',');
    await waitForBroker(testKafka(), { timeoutMs: 10_000 }).catch((error: unknown) => {
      throw new Error(`POS_TEST_KAFKA_BROKERS (${brokers}) does not answer: ${errorMessage(error)}`);
    });
    kafka = `${brokers} (POS_TEST_KAFKA_BROKERS)`;
  } else {
    startedIn = await mkdtemp(join(tmpdir(), 'pos-test-kafka-'));
    const port = await findFreePort();
    await startLocalBroker({ dataDir: startedIn, port, logger: createLogger({ level: 'warn' }) });
    process.env.POS_TEST_KAFKA_BROKERS = `127.0.0.1:${port}`;
    kafka = `127.0.0.1:${port} (started for this run in ${startedIn})`;
  }
  console.log(`Tests use Kafka at ${kafka} and PostgreSQL at ${database} (throwaway databases)`);
}

export async function globalTeardown(): Promise<void> {
  if (!startedIn) return;
  await stopLocalBroker({ dataDir: startedIn });
  await rm(startedIn, { recursive: true, force: true });
}
