import type { SqlRunner } from '../database.ts';
import type { DimensionRows } from '../rows.ts';
import { textArray } from './array-literal.ts';
import { taxName } from './dimension-keys.ts';
import { type Statement, statement } from './statement.ts';

type Taxes = DimensionRows['taxes'];

/** The batch's taxes as the unnest of both statements reads them: $1 to $5. */
const INCOMING = `unnest($1::text[], $2::text[], $3::numeric[], $4::int[], $5::int[])
                  as incoming (jurisdiction, code, rate, valid_from, valid_to)`;
const DATE = (key: string) => `to_date(incoming.${key}::text, 'YYYYMMDD')`;

function values(taxes: Taxes): unknown[] {
  return [
    textArray(taxes.jurisdiction),
    textArray(taxes.code),
    `{${taxes.rate.join(',')}}`,
    `{${taxes.validFrom.join(',')}}`,
    `{${taxes.validTo.join(',')}}`,
  ];
}

/**
 * The keys of these taxes (dim_tax), those not stored yet inserted with the batch's dates, as the
 * other members are: `ON CONFLICT DO NOTHING`, so stored taxes are only read, never locked. A tax
 * that another writer inserts meanwhile is not in this statement's snapshot: looked up again by a
 * statement of its own, which sees it once that writer has committed.
 */
export async function taxKeys(db: SqlRunner, taxes: Taxes): Promise<Map<string, number>> {
  const keys = new Map<string, number>();
  let missing = taxes;
  for (let attempt = 0; missing.code.length > 0; attempt++) {
    if (attempt === 3)
      throw new Error(`tax ${missing.code[0]} of ${missing.jurisdiction[0]} has no row in dim_tax after the upserts`);
    const found = await db.query<{ tax_key: number; jurisdiction: string; code: string; rate: string }>(
      `with incoming as (select * from ${INCOMING}),
       inserted as (
         insert into pos.dim_tax (jurisdiction, code, rate, valid_from, valid_to)
         select incoming.jurisdiction, incoming.code, incoming.rate, ${DATE('valid_from')}, ${DATE('valid_to')}
           from incoming
          where not exists (select 1 from pos.dim_tax known
                             where (known.jurisdiction, known.code, known.rate) = (incoming.jurisdiction, incoming.code, incoming.rate))
          order by incoming.jurisdiction, incoming.code, incoming.rate
         on conflict (jurisdiction, code, rate) do nothing
         returning tax_key, jurisdiction, code, rate
       )
       select tax_key, jurisdiction, code, rate::text as rate from inserted
       union all
       select known.tax_key, known.jurisdiction, known.code, known.rate::text
         from pos.dim_tax known join incoming using (jurisdiction, code, rate)`,
      values(missing),
    );
    for (const row of found) keys.set(taxName(row.jurisdiction, row.code, row.rate), row.tax_key);
    missing = only(missing, (i) => !keys.has(nameAt(missing, i)));
  }
  return keys;
}

/**
 * The statement that widens each tax's `valid_from` and `valid_to` to the batch's dates: an
 * upsert with least and greatest, so that it is exact whatever other writers widen at the same
 * time (an update that waits for another's re-reads the row it committed). Taxes whose stored
 * dates cover the batch's already are filtered out first, so they are not even locked.
 */
export function taxesWiden(taxes: Taxes): Statement | undefined {
  if (taxes.code.length === 0) return undefined;
  return statement(
    `insert into pos.dim_tax as current (jurisdiction, code, rate, valid_from, valid_to)
     select incoming.jurisdiction, incoming.code, incoming.rate, ${DATE('valid_from')}, ${DATE('valid_to')}
       from ${INCOMING}
      where not exists (select 1 from pos.dim_tax known
                         where (known.jurisdiction, known.code, known.rate) = (incoming.jurisdiction, incoming.code, incoming.rate)
                           and known.valid_from <= ${DATE('valid_from')} and known.valid_to >= ${DATE('valid_to')})
      order by incoming.jurisdiction, incoming.code, incoming.rate
     on conflict (jurisdiction, code, rate) do update
        set valid_from = least(current.valid_from, excluded.valid_from), valid_to = greatest(current.valid_to, excluded.valid_to)`,
    values(taxes),
  );
}

/** The name (taxName) of the tax at position `i`. */
export function nameAt(taxes: Taxes, i: number): string {
  return taxName(taxes.jurisdiction[i] as string, taxes.code[i] as string, taxes.rate[i] as string);
}

/** The taxes at the positions `keep` says yes to. */
export function only(taxes: Taxes, keep: (i: number) => boolean): Taxes {
  const kept: Taxes = { jurisdiction: [], code: [], rate: [], validFrom: [], validTo: [] };
  for (let i = 0; i < taxes.code.length; i++) {
    if (!keep(i)) continue;
    kept.jurisdiction.push(taxes.jurisdiction[i] as string);
    kept.code.push(taxes.code[i] as string);
    kept.rate.push(taxes.rate[i] as string);
    kept.validFrom.push(taxes.validFrom[i] as number);
    kept.validTo.push(taxes.validTo[i] as number);
  }
  return kept;
}
