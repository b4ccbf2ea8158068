import { readFileSync } from 'node:fs';
import type { SASLMechanismValue } from '@platformatic/kafka';
import { ConfigError } from '../plumbing/errors.ts';
import type { KafkaConnection } from './security.ts';

/** What every Kafka client of `pos` (Consumer, Producer, Admin) is built with: where, and how it authenticates. */
export interface KafkaClientBase {
  clientId: string;
  bootstrapBrokers: string[];
  tls?: { ca?: string; cert?: string; key?: string };
  sasl?: { mechanism: SASLMechanismValue; username: string; password: string };
}

/**
 * The one place that turns the connection settings into client options: every `new Consumer`,
 * `new Producer` and `new Admin` spreads this first. The PEM files are read here, so that a
 * missing or unreadable one is named before any connection is tried.
 */
export function kafkaClientOptions(connection: KafkaConnection, clientId: string): KafkaClientBase {
  const { security } = connection;
  const options: KafkaClientBase = { clientId, bootstrapBrokers: connection.brokers };
  if (security.tls) {
    const { caFile, certFile, keyFile } = security.tls;
    options.tls = {
      ...(caFile === undefined ? {} : { ca: readPem(caFile, 'CA certificate (KAFKA_SSL_CA_FILE, ssl.ca.location)') }),
      ...(certFile === undefined ? {} : { cert: readPem(certFile, 'client certificate (KAFKA_SSL_CERT_FILE)') }),
      ...(keyFile === undefined ? {} : { key: readPem(keyFile, 'client key (KAFKA_SSL_KEY_FILE)') }),
    };
  }
  if (security.sasl) options.sasl = { ...security.sasl };
  return options;
}

function readPem(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`Cannot read the Kafka ${what} ${file}: ${(error as Error).message}`);
  }
}
