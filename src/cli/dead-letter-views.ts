import type { ReportResult } from '../reports/reports.ts';
import type { DeadLetterDetail, DeadLetterSummary } from '../warehouse/sql/list-dead-letters.ts';

/** How `pos dead-letters list` shows letters: short cells for a table, every field for JSON. */
export function deadLetterRows(letters: DeadLetterSummary[], format: 'table' | 'json'): ReportResult {
  if (format === 'json') {
    return {
      columns: [],
      rows: letters.map((letter) => ({
        ...letter,
        created_at: iso(letter.created_at),
        published_at: iso(letter.published_at),
        replayed_at: iso(letter.replayed_at),
      })),
    };
  }
  return {
    columns: ['id', 'created', 'code', 'source', 'bytes', 'published', 'replay', 'detail'],
    rows: letters.map((letter) => ({
      id: letter.id,
      created: iso(letter.created_at)?.slice(0, 19).replace('T', ' '),
      code: letter.error_code,
      source: sourceOf(letter),
      bytes: letter.bytes,
      published: publishState(letter),
      replay: letter.replay_outcome ?? '',
      detail: letter.error_detail.length > 60 ? `${letter.error_detail.slice(0, 59)}…` : letter.error_detail,
    })),
  };
}

/** `pos dead-letters show`: every field, then the raw value as text when it is UTF-8, else as hex. */
export function describeDeadLetter(letter: DeadLetterDetail): string {
  const key = letter.key === null ? undefined : readable(letter.key);
  const value = letter.raw_value === null ? undefined : readable(letter.raw_value);
  const lines = [
    `dead letter ${letter.id}`,
    `  created     ${iso(letter.created_at)}`,
    `  error       ${letter.error_code}: ${letter.error_detail}`,
    `  source      ${letter.topic === null ? '(written without Kafka)' : `topic ${letter.topic}, partition ${letter.partition}, offset ${letter.offset}${letter.topic_id === null ? '' : ` (topic id ${letter.topic_id})`}`}`,
    `  key         ${key === undefined ? '(none)' : key.utf8 ? key.text : `hex ${key.text}`}`,
    `  published   ${letter.published_at ? iso(letter.published_at) : letter.topic === null ? '(no DLQ topic)' : `not yet${letter.publish_attempts > 0 ? ` (${letter.publish_attempts} attempts, last error: ${letter.publish_error})` : ''}`}`,
    `  replayed    ${letter.replayed_at ? `${iso(letter.replayed_at)}: ${letter.replay_outcome}` : 'never'}`,
    `  value       ${letter.raw_value === null ? '(none)' : `${letter.raw_value.length} bytes, ${value?.utf8 ? 'UTF-8 text' : 'not UTF-8, in hex'}:`}`,
  ];
  if (value !== undefined) lines.push(value.text);
  return `${lines.join('\n')}\n`;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Bytes as text when they are valid UTF-8, else as hex digits. */
function readable(bytes: Uint8Array): { text: string; utf8: boolean } {
  try {
    return { text: utf8.decode(bytes), utf8: true };
  } catch {
    return { text: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex'), utf8: false };
  }
}

function sourceOf(letter: DeadLetterSummary): string {
  return letter.topic === null ? '' : `${letter.topic}/${letter.partition}@${letter.offset}`;
}

function publishState(letter: DeadLetterSummary): string {
  if (letter.published_at) return 'yes';
  if (letter.topic === null) return '';
  return letter.publish_attempts > 0 ? `failed ×${letter.publish_attempts}` : 'pending';
}

function iso(value: Date | string | null): string | null {
  return value === null ? null : new Date(value).toISOString();
}
