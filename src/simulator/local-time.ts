import { formatOffset, pad2, ZoneOffsets } from '../domain/time-zone.ts';

export interface LocalFields {
  year: number;
  /** 1–12 */
  month: number;
  day: number;
  /** Minutes after local midnight. */
  minuteOfDay: number;
  /** ISO day of the week: Monday 1 … Sunday 7. */
  isoDayOfWeek: number;
  /** The local date as YYYYMMDD. */
  dateKey: number;
}

/**
 * Wall-clock time in a store's time zone. Offsets come from Intl (so daylight saving time is
 * right), cached per zone and UTC hour by ZoneOffsets: the validator checks them with the same code.
 */
export class TimeZoneClock {
  readonly timezone: string;
  readonly #offsets: ZoneOffsets;
  /** The last minute formatted, since consecutive transactions mostly share it. */
  #minute = Number.NaN;
  #minutePrefix = '';
  #offsetSuffix = '';

  constructor(timezone: string) {
    this.timezone = timezone;
    this.#offsets = new ZoneOffsets(timezone);
  }

  /** The zone's offset from UTC at `utcMs`, in minutes (New York in winter: -300). */
  offsetMinutes(utcMs: number): number {
    return this.#offsets.minutesAt(utcMs);
  }

  local(utcMs: number): LocalFields {
    const local = new Date(utcMs + this.offsetMinutes(utcMs) * 60_000);
    const year = local.getUTCFullYear();
    const month = local.getUTCMonth() + 1;
    const day = local.getUTCDate();
    return {
      year,
      month,
      day,
      minuteOfDay: local.getUTCHours() * 60 + local.getUTCMinutes(),
      isoDayOfWeek: local.getUTCDay() || 7,
      dateKey: year * 10_000 + month * 100 + day,
    };
  }

  /** RFC 3339 with milliseconds and the zone's offset: 2026-01-05T12:30:05.120-05:00. */
  format(utcMs: number): string {
    const minute = Math.floor(utcMs / 60_000);
    if (minute !== this.#minute) {
      const offset = this.offsetMinutes(utcMs);
      this.#minute = minute;
      this.#minutePrefix = new Date((minute + offset) * 60_000).toISOString().slice(0, 17);
      this.#offsetSuffix = formatOffset(offset);
    }
    const millis = utcMs - minute * 60_000;
    const seconds = Math.floor(millis / 1000);
    return `${this.#minutePrefix}${pad2(seconds)}.${String(millis % 1000).padStart(3, '0')}${this.#offsetSuffix}`;
  }
}
