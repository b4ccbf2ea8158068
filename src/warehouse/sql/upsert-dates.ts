import type { SqlRunner } from '../database.ts';

/** Adds the calendar days not yet in dim_date, with the attributes analysts filter on. */
export async function upsertDates(db: SqlRunner, dateKeys: number[]): Promise<void> {
  if (dateKeys.length === 0) return;
  await db.query(
    `insert into pos.dim_date (date_key, full_date, year, quarter, month, month_name, day_of_month,
                               iso_day_of_week, day_name, iso_week, iso_year, is_weekend)
     select key, day, extract(year from day), extract(quarter from day), extract(month from day), to_char(day, 'FMMonth'),
            extract(day from day), extract(isodow from day), to_char(day, 'FMDay'), extract(week from day),
            extract(isoyear from day), extract(isodow from day) >= 6
       from unnest($1::int[]) as key
      cross join lateral (select to_date(key::text, 'YYYYMMDD') as day) as calendar
     where not exists (select 1 from pos.dim_date existing where existing.date_key = key)
     on conflict (date_key) do nothing`,
    [dateKeys],
  );
}
