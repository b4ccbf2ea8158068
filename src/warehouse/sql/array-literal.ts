/**
 * A text[] parameter as PostgreSQL's array literal, made with one join. node-postgres makes it
 * by appending element after element, and for the member upserts of every batch that was a fifth
 * of all the garbage the main thread made (the Kafka client's included). PGlite passes a string
 * on as it is, as node-postgres does.
 */
export function textArray(values: readonly (string | null)[]): string {
  if (values.length === 0) return '{}';
  if (values.some((value) => value === null || MUST_ESCAPE.test(value))) return escapedArray(values);
  return `{"${values.join('","')}"}`;
}

/** What a quoted element may not hold as it is. */
const MUST_ESCAPE = /["\\]/;

function escapedArray(values: readonly (string | null)[]): string {
  const elements = values.map((value) => (value === null ? 'NULL' : `"${value.replace(/["\\]/g, '\\$&')}"`));
  return `{${elements.join(',')}}`;
}
