import { findErrorBy, GenericError } from '@platformatic/kafka';

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

/** Whether the error, or one it aggregates or wraps, matches. */
function someError(error: unknown, matches: (error: unknown) => boolean): boolean {
  if (error === null || error === undefined) return false;
  if (matches(error)) return true;
  const nested = error instanceof AggregateError ? error.errors : [];
  return [...nested, (error as { cause?: unknown }).cause].some((inner) => inner !== error && someError(inner, matches));
}
