/**
 * What a report is, apart from the reports themselves (reports.ts, inventory.ts), so that both
 * catalogues share it. Filters are parameters: $1 first local date (YYYYMMDD or null), $2 last
 * local date (or null), $3 store id (or null); a report with `limitParameter` takes $4 too.
 */
export interface ReportDefinition {
  name: string;
  description: string;
  /** The output columns, in order: the select list's names. */
  columns: string[];
  /** The report as `pos report` and the dashboard run it: over the aggregates, or over stock on hand and the movements. */
  sql: string;
  /**
   * The same report computed another way (from the facts, or from the movements alone), with the
   * same parameters, columns, text and order: the reference the tests and `npm run bench:warehouse`
   * compare with. Over days `pos db prune` removed, the facts no longer have what `sql` still reports.
   */
  factSql: string;
  /**
   * Whether `sql` and `factSql` take $4, at most that many rows (null: all), so that the database
   * stops at them; the other reports' rows are cut after the query.
   */
  limitParameter?: boolean;
  /** What an empty cell of a column means, written in its place in a table (`∞` days of cover). */
  nullShownAs?: Record<string, string>;
}

export interface ReportFilter {
  /** Local dates, YYYY-MM-DD, inclusive. */
  from?: string;
  to?: string;
  storeId?: string;
  /** At most this many rows. */
  limit?: number;
}

export interface ReportResult {
  columns: string[];
  rows: Record<string, unknown>[];
  /** What an empty cell of a column means, in a table (ReportDefinition.nullShownAs). */
  nullShownAs?: Record<string, string>;
}
