import type { Logger } from './logger.ts';

const LOG_EVERY_MS = 5000;

export interface ProgressOptions {
  /** What is counted, for the display: "transactions". */
  unit: string;
  /** The expected total, when known: a bar with an ETA is drawn. */
  total?: number;
  logger: Logger;
  /** Where a live bar is drawn; without a terminal, a log line every 5 s instead. */
  stream?: NodeJS.WriteStream;
}

/**
 * Shows how long work is going: a bar redrawn in place on a terminal, or periodic structured
 * log lines when stderr is a file or a pipe (CI, `2> log`).
 */
export class Progress {
  readonly #options: ProgressOptions;
  readonly #started = performance.now();
  readonly #tty: boolean;
  #done = 0;
  #lastDraw = 0;
  #lastLog = performance.now();

  constructor(options: ProgressOptions) {
    this.#options = options;
    this.#tty = Boolean(options.stream?.isTTY);
  }

  update(done: number, extra: Record<string, number | string> = {}): void {
    this.#done = done;
    const now = performance.now();
    if (this.#tty && now - this.#lastDraw >= 200) {
      this.#lastDraw = now;
      this.#options.stream?.write(`\r${this.#line(now, extra)}\x1b[K`);
    } else if (!this.#tty && now - this.#lastLog >= LOG_EVERY_MS) {
      this.#lastLog = now;
      this.#options.logger.info(
        { done, total: this.#options.total, ratePerSecond: Math.round(this.rate(now)), ...extra },
        'Progress',
      );
    }
  }

  /** Clears the bar; the caller then reports the outcome. */
  finish(): void {
    if (this.#tty) this.#options.stream?.write('\r\x1b[K');
  }

  rate(now = performance.now()): number {
    const seconds = (now - this.#started) / 1000;
    return seconds > 0 ? this.#done / seconds : 0;
  }

  #line(now: number, extra: Record<string, number | string>): string {
    const { total, unit } = this.#options;
    const rate = this.rate(now);
    const details = Object.entries(extra).map(([key, value]) => `${key} ${value}`);
    const count = `${this.#done.toLocaleString('en-US')}${total ? `/${total.toLocaleString('en-US')}` : ''} ${unit}`;
    const speed = `${Math.round(rate).toLocaleString('en-US')}/s`;
    if (!total) return [count, speed, ...details].join('  ');
    const share = Math.min(1, this.#done / total);
    const width = 30;
    const filled = Math.round(share * width);
    const eta = rate > 0 ? `ETA ${Math.ceil((total - this.#done) / rate)} s` : '';
    return [
      `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${(share * 100).toFixed(0).padStart(3)}%`,
      count,
      speed,
      eta,
      ...details,
    ]
      .filter(Boolean)
      .join('  ');
  }
}
