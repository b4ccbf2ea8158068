import { findErrorBy, GenericError } from '@platformatic/kafka';
import { errorMessage, UserError } from '../plumbing/errors.ts';
import type { KafkaConnection } from './security.ts';

/**
 * How to react to an error from the Kafka client:
 * - `offset_out_of_range`: the log no longer has (or does not yet have) the offset we fetch: the
 *   read positions must be placed again (records deleted, a log truncated, a topic recreated);
 * - `fatal`: Kafka will not let us in (authentication, authorization): retrying cannot help;
 * - `transient`: any other error of the client: the broker is away, restarting or rebalancing;
 * - `other`: not the Kafka client's at all.
 */
export type KafkaFailure = 'offset_out_of_range' | 'fatal' | 'transient' | 'other';

const FATAL_PROTOCOL_ERRORS = /_AUTHORIZATION_FAILED$|^SASL_AUTHENTICATION_FAILED$|^UNSUPPORTED_SASL_MECHANISM$/;

export function classifyKafkaError(error: unknown): KafkaFailure {
  if (!(error instanceof Error) || !GenericError.isGenericError(error)) return 'other';
  if (findErrorBy(error, 'apiId', 'OFFSET_OUT_OF_RANGE')) return 'offset_out_of_range';
  if (findErrorBy(error, 'code', 'PLT_KFK_AUTHENTICATION')) return 'fatal';
  if (someError(error, (candidate) => FATAL_PROTOCOL_ERRORS.test(String((candidate as { apiId?: unknown }).apiId))))
    return 'fatal';
  return 'transient';
}

/**
 * The topic is not there: the broker's UNKNOWN_TOPIC_OR_PARTITION, or the client's own "Unknown
 * topic X." (@platformatic/kafka turns a metadata answer with that code into it, without a cause).
 */
export function isUnknownTopicError(error: unknown): boolean {
  if (!(error instanceof Error) || !GenericError.isGenericError(error)) return false;
  return someError(error, (candidate) => {
    const { apiId, code, message } = candidate as { apiId?: unknown; code?: unknown; message?: unknown };
    return apiId === 'UNKNOWN_TOPIC_OR_PARTITION' || (code === 'PLT_KFK_USER' && /^Unknown topic /.test(String(message)));
  });
}

/**
 * Why Kafka did not take a send, for a producer that can try again later, and record by record
 * (the dead-letter outbox):
 * - `unreachable`: no broker answered (connection refused, timed out): not the records' fault;
 * - `topic`: the broker refused the send for its topic (missing, not allowed, no leader, too few
 *   replicas): each record sent alone would be refused the same;
 * - `records`: any other refusal (a record too large, …): the other records may pass.
 */
export type SendFailure = 'unreachable' | 'topic' | 'records';

/** Refusals that concern the topic, not the records. */
const TOPIC_REFUSALS = new Set([
  'UNKNOWN_TOPIC_OR_PARTITION',
  'INVALID_TOPIC_EXCEPTION',
  'TOPIC_AUTHORIZATION_FAILED',
  'LEADER_NOT_AVAILABLE',
  'NOT_LEADER_OR_FOLLOWER',
  'NOT_ENOUGH_REPLICAS',
  'NOT_ENOUGH_REPLICAS_AFTER_APPEND',
]);

export function classifySendFailure(error: unknown): SendFailure {
  const nested = [...nestedErrors(error)];
  const apiIds = nested.map((inner) => inner.apiId).filter((apiId): apiId is string => typeof apiId === 'string');
  if (apiIds.some((apiId) => TOPIC_REFUSALS.has(apiId))) return 'topic';
  // An answer from a broker (an error code) means it was reached, whatever else failed beside.
  if (apiIds.length === 0 && nested.some((inner) => inner.code === 'PLT_KFK_NETWORK' || inner.code === 'PLT_KFK_TIMEOUT')) {
    return 'unreachable';
  }
  return 'records';
}

/** The broker's reasons for a refusal (its error codes and messages), not the client's wrappers; at most 1,000 characters. */
export function describeRefusal(error: unknown): string {
  const reasons = [...nestedErrors(error)]
    .filter((inner) => typeof inner.apiId === 'string')
    .map((inner) => `${inner.apiId}: ${String(inner.serverErrorMessage || inner.message)}`);
  return (reasons.length > 0 ? [...new Set(reasons)].join('; ') : errorMessage(error)).slice(0, 1000);
}

/**
 * The error and those inside it: the client nests them (a send's, a response's, a partition's)
 * in `errors` (AggregateError) and `cause`.
 */
function* nestedErrors(error: unknown, seen = new Set<unknown>()): Generator<Record<string, unknown>> {
  if (error === null || typeof error !== 'object' || seen.has(error)) return;
  seen.add(error);
  yield error as Record<string, unknown>;
  const inner = (error as { errors?: unknown }).errors;
  for (const nested of Array.isArray(inner) ? inner : []) yield* nestedErrors(nested, seen);
  yield* nestedErrors((error as { cause?: unknown }).cause, seen);
}

/** Whether the error, or one it aggregates or wraps, matches. */
function someError(error: unknown, matches: (error: unknown) => boolean): boolean {
  for (const inner of nestedErrors(error)) if (matches(inner)) return true;
  return false;
}

/** Node's codes for a server certificate the client does not trust (or that names another host). */
const UNTRUSTED_CERTIFICATE =
  /^(SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT(_LOCALLY)?|CERT_UNTRUSTED|CERT_HAS_EXPIRED|CERT_NOT_YET_VALID|ERR_TLS_CERT_ALTNAME_INVALID)$/;

/** Retrying cannot help: refused credentials, permissions, or a certificate we do not trust. */
export function isFatalKafkaError(error: unknown): boolean {
  return classifyKafkaError(error) === 'fatal' || untrustedCertificate(error) !== undefined;
}

function untrustedCertificate(error: unknown): string | undefined {
  let code: string | undefined;
  someError(error, (candidate) => {
    const value = (candidate as { code?: unknown }).code;
    if (typeof value === 'string' && UNTRUSTED_CERTIFICATE.test(value)) code = value;
    return code !== undefined;
  });
  return code;
}

/** What the client was doing, so that a refusal names the operation and the resource. */
export interface KafkaErrorContext {
  topic?: string;
  /** The operation on the topic that was refused: READ for a consumer, WRITE for a producer, CREATE for an admin. */
  topicOperation?: string;
  group?: string;
}

/**
 * A Kafka client error as a message people can act on: which user and mechanism failed at which
 * address, which CA file did not trust the broker, which operation on which resource an ACL denies.
 * Never with the password. Errors that are none of these keep the client's message.
 */
export function explainKafkaError(error: unknown, connection: KafkaConnection, context: KafkaErrorContext = {}): UserError {
  const where = connection.brokers.join(',');
  const { sasl, tls } = connection.security;
  if (findErrorBy(error as Error, 'code', 'PLT_KFK_AUTHENTICATION') || someApiId(error, /^SASL_AUTHENTICATION_FAILED$/)) {
    return new UserError(
      sasl
        ? `Kafka authentication failed for user ${sasl.username} with ${sasl.mechanism} at ${where}.`
        : `Kafka authentication failed at ${where}.`,
      {
        hint: 'Check the user name and password (KAFKA_SASL_USERNAME / KAFKA_SASL_PASSWORD, or sasl.jaas.config in the client config) and the mechanism.',
        cause: error,
      },
    );
  }
  const certificate = untrustedCertificate(error);
  if (certificate !== undefined) {
    const ca = tls?.caFile
      ? `the CA file ${tls.caFile}`
      : "the system's CA certificates (no KAFKA_SSL_CA_FILE / ssl.ca.location set)";
    return new UserError(`The TLS certificate of Kafka at ${where} is not trusted by ${ca} (${certificate}).`, {
      hint: 'Point KAFKA_SSL_CA_FILE (or ssl.ca.location) at the CA that signed the broker certificate.',
      cause: error,
    });
  }
  const denied = deniedResource(error, context);
  if (denied !== undefined) {
    const user = sasl ? `User ${sasl.username}` : 'This client';
    return new UserError(`${user} is not allowed to ${denied} at ${where}.`, {
      hint: 'Ask the cluster administrator for the ACL; the README lists the ones the pipeline needs ("Connecting to your cluster").',
      cause: error,
    });
  }
  return new UserError(`Kafka at ${where}: ${errorMessage(error)}`, { cause: error });
}

function deniedResource(error: unknown, context: KafkaErrorContext): string | undefined {
  if (someApiId(error, /^GROUP_AUTHORIZATION_FAILED$/)) return `READ group ${context.group ?? '(the consumer group)'}`;
  if (someApiId(error, /^TOPIC_AUTHORIZATION_FAILED$/)) {
    return `${context.topicOperation ?? 'DESCRIBE'} topic ${context.topic ?? '(the topic)'}`;
  }
  if (someApiId(error, /^CLUSTER_AUTHORIZATION_FAILED$/)) return 'act on the cluster (IDEMPOTENT_WRITE or CREATE on cluster)';
  if (someApiId(error, /^TRANSACTIONAL_ID_AUTHORIZATION_FAILED$/)) return 'WRITE its transactional id';
  if (someApiId(error, /_AUTHORIZATION_FAILED$/)) return 'do what it asked (authorization failed)';
  return undefined;
}

function someApiId(error: unknown, pattern: RegExp): boolean {
  return someError(error, (candidate) => pattern.test(String((candidate as { apiId?: unknown }).apiId)));
}
