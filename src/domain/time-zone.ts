/**
 * IANA time zones and their UTC offsets, from Intl's time zone database. Both the simulator
 * (which writes each store's local time) and the validator (which checks it) ask for offsets for
 * every transaction, so offsets are cached per zone and UTC hour: one Intl call per zone and hour
 * instead of one per transaction.
 */

const HOUR_MS = 3_600_000;
/** Bounds on the caches, which messages with arbitrary zone names and times must not grow without end. */
const MAX_ZONES = 1_000;
const MAX_HOURS_PER_ZONE = 50_000;

/** The offsets of one zone. */
export class ZoneOffsets {
  readonly timezone: string;
  readonly #format: Intl.DateTimeFormat;
  /** UTC hour → the offset throughout it, or null for an hour in which the offset changes. */
  readonly #hours = new Map<number, number | null>();

  /** Throws a RangeError if Intl does not know the zone; `timeZone` below says undefined instead. */
  constructor(timezone: string) {
    this.timezone = timezone;
    this.#format = new Intl.DateTimeFormat('en-US', { timeZone: timezone, timeZoneName: 'longOffset' });
  }

  /** The zone's offset from UTC at `utcMs`, in minutes (New York in winter: -300), exact to the millisecond. */
  minutesAt(utcMs: number): number {
    const hour = Math.floor(utcMs / HOUR_MS);
    let offset = this.#hours.get(hour);
    if (offset === undefined) {
      if (this.#hours.size >= MAX_HOURS_PER_ZONE) this.#hours.clear();
      // Offsets change at most once in an hour (in practice), so equal offsets at both ends mean the same offset throughout.
      const first = this.#exactMinutes(hour * HOUR_MS);
      offset = first === this.#exactMinutes((hour + 1) * HOUR_MS - 1) ? first : null;
      this.#hours.set(hour, offset);
    }
    return offset ?? this.#exactMinutes(utcMs);
  }

  /** Intl's "GMT-05:00" (or "GMT", or "GMT-04:56:02" for local mean time) at the instant, in minutes. */
  #exactMinutes(utcMs: number): number {
    const name = this.#format.formatToParts(utcMs).find((part) => part.type === 'timeZoneName')?.value ?? 'GMT';
    const match = /^GMT([+-])(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(name);
    if (!match) return 0;
    const [, sign, hours, minutes, seconds] = match;
    return (sign === '-' ? -1 : 1) * (Number(hours) * 60 + Number(minutes) + Number(seconds ?? 0) / 60);
  }
}

const zones = new Map<string, ZoneOffsets | null>();

/** The offsets of a zone of the IANA database (links such as `US/Eastern` included), or undefined if there is no such zone. */
export function timeZone(timezone: string): ZoneOffsets | undefined {
  let zone = zones.get(timezone);
  if (zone === undefined) {
    if (zones.size >= MAX_ZONES) zones.clear();
    zone = isZoneName(timezone) ? tryZone(timezone) : null;
    zones.set(timezone, zone);
  }
  return zone ?? undefined;
}

/** A name, not a bare offset such as `+05:00` or `-0500`, which Intl also accepts as a "time zone". */
function isZoneName(timezone: string): boolean {
  return /^[A-Za-z]/.test(timezone);
}

function tryZone(timezone: string): ZoneOffsets | null {
  try {
    return new ZoneOffsets(timezone);
  } catch {
    return null;
  }
}

/** Minutes east of UTC as RFC 3339 writes them: -300 → `-05:00`, 0 → `+00:00`. */
export function formatOffset(minutes: number): string {
  const magnitude = Math.round(Math.abs(minutes));
  return `${minutes < 0 ? '-' : '+'}${pad2(Math.floor(magnitude / 60))}:${pad2(magnitude % 60)}`;
}

export function pad2(value: number): string {
  return value < 10 ? `0${value}` : String(value);
}
