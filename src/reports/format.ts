import type { ReportResult } from './definition.ts';

export type ReportFormat = 'table' | 'csv' | 'json';

/** A plain decimal number, as PostgreSQL writes numeric and integer values: `42`, `-12.50`. */
const DECIMAL = /^-?\d+(\.\d+)?$/;

/**
 * What a spreadsheet opening a CSV file takes for the start of a formula (OWASP's list):
 * `=`, `+`, `-`, `@`, tab and carriage return. Store and product names come from Kafka.
 */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * A CSV field: a text that a spreadsheet would run as a formula gets a leading `'` (numbers, even
 * negative ones, stay numbers), then RFC 4180 quoting where needed.
 */
function csvField(text: string): string {
  const safe = FORMULA_START.test(text) && !DECIMAL.test(text) ? `'${text}` : text;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

/** The report as text: aligned columns for people, CSV (RFC 4180) for spreadsheets, JSON for programs. */
export function formatReport(result: ReportResult, format: ReportFormat): string {
  const cell = (value: unknown) => (value === null || value === undefined ? '' : String(value));
  if (format === 'json') return `${JSON.stringify(result.rows, null, 2)}\n`;
  if (format === 'csv') {
    return [result.columns, ...result.rows.map((row) => result.columns.map((column) => row[column]))]
      .map((values) => values.map((value) => csvField(cell(value))).join(','))
      .join('\r\n')
      .concat('\r\n');
  }
  // An empty cell that means something (∞ days of cover) says it, in a table only: CSV and JSON keep it empty.
  const shown = (column: string, value: unknown) =>
    value === null || value === undefined ? (result.nullShownAs?.[column] ?? '') : String(value);
  const rows = result.rows.map((row) => result.columns.map((column) => shown(column, row[column])));
  const widths = result.columns.map((column, i) => Math.max(column.length, ...rows.map((row) => (row[i] as string).length)));
  // A column whose every value is a number (or an empty cell) is right-aligned.
  const numeric = result.columns.map(
    (column, i) =>
      rows.length > 0 &&
      rows.every((row) => row[i] === '' || row[i] === result.nullShownAs?.[column] || DECIMAL.test(row[i] as string)),
  );
  const line = (values: string[]) =>
    values
      .map((value, i) => (numeric[i] ? value.padStart(widths[i] as number) : value.padEnd(widths[i] as number)))
      .join('  ')
      .trimEnd();
  const lines = [line(result.columns), widths.map((width) => '-'.repeat(width)).join('  '), ...rows.map(line)];
  if (rows.length === 0) lines.push('(no rows)');
  return `${lines.join('\n')}\n`;
}
