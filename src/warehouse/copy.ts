import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFromStdin } from 'pg-copy-streams';

/**
 * Rows in COPY's text format (UTF-8 when bytes): one line per row, fields separated by tabs, `\N`
 * for null. The fastest way into PostgreSQL: no parameters to serialise, no statement to plan.
 */
export type CopyText = string | Uint8Array;

const SPECIAL = /[\\\n\r\t]/;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** A text field as COPY reads it: null as `\N`, and backslash, tab and line breaks escaped. */
export function copyField(value: string | null): string {
  if (value === null) return '\\N';
  return SPECIAL.test(value) ? value.replace(/[\\\n\r\t]/g, (character) => ESCAPES[character] as string) : value;
}

/** `COPY target FROM STDIN` on a node-postgres connection, with the rows in `text`. */
export async function copyIntoServer(client: pg.ClientBase, target: string, text: CopyText): Promise<void> {
  await pipeline(Readable.from([text]), client.query(copyFromStdin(`copy ${target} from stdin`)));
}
