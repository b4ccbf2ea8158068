/** A restore goes into an empty warehouse unless forced: the check, shared by the server's and the embedded restore. */

import { UserError } from '../plumbing/errors.ts';
import type { SqlRunner } from './connection.ts';

/** How many rows the warehouse's tables hold (the migrations' own table aside): 0 means empty. */
export async function warehouseRows(db: SqlRunner): Promise<number> {
  const tables = await db.query<{ name: string }>(
    `select table_name as name from information_schema.tables
      where table_schema = 'pos' and table_type = 'BASE TABLE' and table_name <> 'schema_migrations'`,
  );
  if (tables.length === 0) return 0;
  const counts = tables.map(({ name }) => `select count(*) as n from pos."${name.replaceAll('"', '""')}"`);
  const [row] = await db.query<{ n: number }>(`select sum(n)::int as n from (${counts.join(' union all ')}) as counts`);
  return row?.n ?? 0;
}

export function refuseNonEmpty(description: string, rows: number): UserError {
  return new UserError(
    `The warehouse in ${description} is not empty (${rows.toLocaleString('en-US')} rows in the schema pos); nothing was restored.`,
    {
      hint: 'Restore into an empty database, or pass --force to replace what is there.',
    },
  );
}
