import { SCHEMA_VERSIONS, type SchemaVersion } from '../contract/message.ts';
import { type KafkaConnection, SECURITY_PROTOCOLS } from '../kafka/security.ts';
import { ConfigError } from '../plumbing/errors.ts';
import {
  ABORT_SIGNAL,
  ARRAY,
  checkOption,
  checkOptionalOption,
  FUNCTION,
  isKafkaName,
  LOGGER,
  NON_EMPTY_TEXT,
  numberFrom,
  OPTIONS_OBJECT,
  objectWith,
  oneOf,
  type Rule,
  TOPIC_NAME,
  wholeNumber,
} from '../plumbing/options.ts';
import type { Warehouse } from '../warehouse/connection.ts';
import type { StartPolicy } from './positions.ts';

/** An open warehouse database. */
export const WAREHOUSE: Rule<Warehouse> = objectWith('a Warehouse (from openWarehouse())', ['query', 'transaction']);

/** Bootstrap brokers and security settings, as `kafkaConnection(config)` or a Config's `kafka` gives them. */
export const KAFKA_CONNECTION: Rule<KafkaConnection> = {
  expected:
    "a KafkaConnection: { brokers: ['host:port', …] (at least one), security: { protocol: " +
    `${SECURITY_PROTOCOLS.join(', ')} } }`,
  accepts: (value): value is KafkaConnection => {
    if (typeof value !== 'object' || value === null) return false;
    const { brokers, security } = value as Partial<Record<keyof KafkaConnection, unknown>>;
    return (
      Array.isArray(brokers) &&
      brokers.length > 0 &&
      brokers.every((broker) => typeof broker === 'string' && /^\S+:\d+$/.test(broker)) &&
      typeof security === 'object' &&
      security !== null &&
      (SECURITY_PROTOCOLS as readonly unknown[]).includes((security as { protocol?: unknown }).protocol)
    );
  },
};

const START_POLICIES: readonly StartPolicy[] = ['earliest', 'latest'];

/**
 * What consume() allows in each option; `pos consume` parses its flags with the same rules
 * (src/cli/consume.ts), so that the two allow the same values.
 */
export const CONSUME_RULES = {
  kafka: KAFKA_CONNECTION,
  topic: TOPIC_NAME,
  /** Kafka takes any group id but an empty one. */
  group: NON_EMPTY_TEXT,
  startAt: oneOf(START_POLICIES),
  warehouse: WAREHOUSE,
  logger: LOGGER,
  signal: ABORT_SIGNAL,
  untilIdleMs: numberFrom(0, 'milliseconds'),
  batchSize: wholeNumber(1, 20_000),
  batchBytes: wholeNumber(1, 1024 ** 3),
  lingerMs: numberFrom(0, 'milliseconds'),
  members: wholeNumber(1, 64),
  instanceId: {
    expected: '1 to 249 characters from a-z, A-Z, 0-9, ".", "_" and "-", such as the host name',
    accepts: isKafkaName,
  } satisfies Rule<string>,
  onBatch: FUNCTION,
  status: objectWith('a ConsumerStatus', ['set', 'readiness', 'useDatabase']),
  preparerEntry: { expected: 'a URL', accepts: (value): value is URL => value instanceof URL } satisfies Rule<URL>,
  contractVersions: {
    expected: `a non-empty list of contract versions this build reads (${SCHEMA_VERSIONS.join(', ')})`,
    accepts: (value): value is SchemaVersion[] =>
      Array.isArray(value) &&
      value.length > 0 &&
      new Set(value).size === value.length &&
      value.every((version) => (SCHEMA_VERSIONS as readonly unknown[]).includes(version)),
  } satisfies Rule<SchemaVersion[]>,
} as const;

/** consume()'s options, checked before anything starts: a ConfigError naming the first option that is wrong. */
export function checkConsumeOptions(options: { readonly [Name in keyof typeof CONSUME_RULES]?: unknown }): void {
  const where = 'consume()';
  checkOption(where, 'options', options, OPTIONS_OBJECT);
  const rules = CONSUME_RULES;
  checkOption(where, 'kafka', options.kafka, rules.kafka);
  checkOption(where, 'topic', options.topic, rules.topic);
  checkOption(where, 'group', options.group, rules.group);
  checkOption(where, 'warehouse', options.warehouse, rules.warehouse);
  checkOption(where, 'logger', options.logger, rules.logger);
  checkOptionalOption(where, 'startAt', options.startAt, rules.startAt);
  checkOptionalOption(where, 'signal', options.signal, rules.signal);
  checkOptionalOption(where, 'untilIdleMs', options.untilIdleMs, rules.untilIdleMs);
  checkOptionalOption(where, 'batchSize', options.batchSize, rules.batchSize);
  checkOptionalOption(where, 'batchBytes', options.batchBytes, rules.batchBytes);
  checkOptionalOption(where, 'lingerMs', options.lingerMs, rules.lingerMs);
  checkOptionalOption(where, 'members', options.members, rules.members);
  checkOptionalOption(where, 'instanceId', options.instanceId, rules.instanceId);
  const members = options.members ?? 1;
  if (options.instanceId !== undefined && members > 1 && !isKafkaName(`${options.instanceId}-${members - 1}`)) {
    throw new ConfigError(
      `${where}: instanceId is ${options.instanceId.length} characters; with members ${members}, member ${members - 1}'s id ` +
        `(instanceId-${members - 1}) would be over Kafka's 249.`,
      'With several members, member i is ID-i: give a shorter instanceId.',
    );
  }
  checkOptionalOption(where, 'onBatch', options.onBatch, rules.onBatch);
  checkOptionalOption(where, 'status', options.status, rules.status);
  checkOptionalOption(where, 'preparerEntry', options.preparerEntry, rules.preparerEntry);
}

/** writeTransactions()'s arguments, checked before anything is written. */
export function checkWriteArguments(warehouse: unknown, messages: unknown): void {
  const where = 'writeTransactions()';
  checkOption(where, 'warehouse', warehouse, WAREHOUSE);
  checkOption(where, 'messages', messages, ARRAY);
}
