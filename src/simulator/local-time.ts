/**
 * Wall-clock time in a store's time zone. Offsets come from Intl (so daylight saving time is
 * right) and are cached per zone and UTC hour, because asking Intl for every transaction would
 * cost more than making the transaction.
 */

const HOUR_MS = 3_600_000;

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

export class TimeZoneClock {
  readonly timezone: string;
  readonly #format: Intl.DateTimeFormat;
  readonly #offsets = new Map<number, number>();
  /** The last minute formatted, since consecutive transactions mostly share it. */
  #minute = Number.NaN;
  #minutePrefix = '';
  #offsetSuffix = '';

  constructor(timezone: string) {
    this.timezone = timezone;
    this.#format = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
    });
  }

  /** The zone's offset from UTC at `utcMs`, in minutes (New York in winter: -300). */
  offsetMinutes(utcMs: number): number {
    const hour = Math.floor(utcMs / HOUR_MS);
    let offset = this.#offsets.get(hour);
    if (offset === undefined) {
      if (this.#offsets.size > 50_000) this.#offsets.clear();
      offset = this.#computeOffset(hour * HOUR_MS);
      this.#offsets.set(hour, offset);
    }
    return offset;
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
      const magnitude = Math.abs(offset);
      this.#minute = minute;
      this.#minutePrefix = new Date((minute + offset) * 60_000).toISOString().slice(0, 17);
      this.#offsetSuffix = `${offset < 0 ? '-' : '+'}${pad2(Math.floor(magnitude / 60))}:${pad2(magnitude % 60)}`;
    }
    const millis = utcMs - minute * 60_000;
    const seconds = Math.floor(millis / 1000);
    return `${this.#minutePrefix}${pad2(seconds)}.${String(millis % 1000).padStart(3, '0')}${this.#offsetSuffix}`;
  }

  #computeOffset(utcMs: number): number {
    const parts: Record<string, number> = {};
    for (const part of this.#format.formatToParts(utcMs)) {
      if (part.type !== 'literal') parts[part.type] = Number(part.value);
    }
    const wall = Date.UTC(parts.year ?? 0, (parts.month ?? 1) - 1, parts.day ?? 1, parts.hour ?? 0, parts.minute ?? 0);
    return Math.round((wall - Math.floor(utcMs / 60_000) * 60_000) / 60_000);
  }
}

function pad2(value: number): string {
  return value < 10 ? `0${value}` : String(value);
}
