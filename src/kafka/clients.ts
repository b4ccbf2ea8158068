import { readFileSync } from 'node:fs';
import {
  Admin,
  type AdminOptions,
  Connection,
  Consumer,
  type ConsumerOptions,
  Producer,
  type ProducerOptions,
  type SASLMechanismValue,
} from '@platformatic/kafka';
import { kafkaClientMetrics } from '../metrics/registry.ts';
import { ConfigError } from '../plumbing/errors.ts';
import type { KafkaConnection } from './security.ts';

/*
 * The one place that builds Kafka clients: every Consumer, Producer and Admin of `pos` (and of its
 * benchmarks) is made here, from a connection (where, and how it authenticates) and a client id,
 * with the options of its role. Consumers and producers report into the metrics registry under
 * their client id; an Admin has no metrics of its own. A test holds every `new Consumer(`,
 * `new Producer(` and `new Admin(` of src/ and bench/ to this file.
 */

export type KafkaConsumer = Consumer<Buffer, Buffer, Buffer, Buffer>;
export type KafkaProducer = Producer<Buffer, Buffer, Buffer, Buffer>;

/** A client's options for its role: where it connects, how it authenticates and what it reports come from here. */
type RoleOptions<Options> = Options extends unknown
  ? Omit<Options, 'clientId' | 'bootstrapBrokers' | 'tls' | 'ssl' | 'sasl' | 'metrics'>
  : never;

export function createConsumer(
  connection: KafkaConnection,
  clientId: string,
  options: RoleOptions<ConsumerOptions<Buffer, Buffer, Buffer, Buffer>>,
): KafkaConsumer {
  return new Consumer({ ...options, ...kafkaClientOptions(connection, clientId), metrics: kafkaClientMetrics(clientId) });
}

export function createProducer(
  connection: KafkaConnection,
  clientId: string,
  options: RoleOptions<ProducerOptions<Buffer, Buffer, Buffer, Buffer>> = {},
): KafkaProducer {
  return new Producer({ ...options, ...kafkaClientOptions(connection, clientId), metrics: kafkaClientMetrics(clientId) });
}

export function createAdmin(connection: KafkaConnection, clientId: string, options: RoleOptions<AdminOptions> = {}): Admin {
  return new Admin({ ...options, ...kafkaClientOptions(connection, clientId) });
}

/** A single connection to one broker, for the requests no client has (the local secure broker's SCRAM users). */
export function createConnection(connection: KafkaConnection, clientId: string): Connection {
  return new Connection(clientId, kafkaClientOptions(connection, clientId));
}

/** What every Kafka client of `pos` (Consumer, Producer, Admin) is built with: where, and how it authenticates. */
export interface KafkaClientBase {
  clientId: string;
  bootstrapBrokers: string[];
  tls?: { ca?: string; cert?: string; key?: string };
  sasl?: { mechanism: SASLMechanismValue; username: string; password: string };
}

/**
 * The connection settings as client options, for the factories above. The PEM files are read
 * here, so that a missing or unreadable one is named before any connection is tried.
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
