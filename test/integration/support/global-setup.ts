import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findFreePort, startLocalBroker, stopLocalBroker } from '../../../src/broker/local-broker.ts';
import { loadConfig } from '../../../src/config.ts';
import { fetchClusterMetadata } from '../../../src/kafka/admin.ts';
import { createLogger } from '../../../src/logger.ts';
import { ensureChromium, ensurePrometheus } from './prerequisites.ts';

/**
 * Prerequisites for the run (prerequisites.ts), and one Kafka broker for the whole test run, shared through POS_TEST_BROKERS: the configured cluster
 * (KAFKA_BROKERS, or a local broker already up on 9092) when it answers, else one started for the
 * run with the same code as `pos kafka up`, and stopped at the end. Tests use topics of their own.
 */
let startedIn: string | undefined;

export async function globalSetup(): Promise<void> {
  // The monitoring tests need Prometheus: installed here when missing and possible (root, apt).
  ensurePrometheus();
  // The dashboard tests drive Debian's Chromium.
  ensureChromium();
  const config = loadConfig();
  try {
    await fetchClusterMetadata(config.kafka);
    process.env.POS_TEST_BROKERS = config.kafka.brokers.join(',');
    return;
  } catch {
    // nothing answers: start a broker of our own
  }
  startedIn = await mkdtemp(join(tmpdir(), 'pos-test-kafka-'));
  const port = await findFreePort();
  await startLocalBroker({ dataDir: startedIn, port, logger: createLogger({ level: 'warn' }) });
  process.env.POS_TEST_BROKERS = `127.0.0.1:${port}`;
}

export async function globalTeardown(): Promise<void> {
  if (!startedIn) return;
  await stopLocalBroker({ dataDir: startedIn });
  await rm(startedIn, { recursive: true, force: true });
}
