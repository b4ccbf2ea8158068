/**
 * The warehouse's date key (dim_date's): a calendar date as the number YYYYMMDD, read from the
 * start of an ISO text. `2026-03-06T23:30:00.000-05:00` gives 20260306: the date of the offset
 * written, a store's own calendar, not UTC's.
 */
export function dateKey(isoText: string): number {
  return Number(isoText.slice(0, 4) + isoText.slice(5, 7) + isoText.slice(8, 10));
}
