import type { ServerResponse } from 'node:http';
import type { HttpStream } from '../http/server.ts';
import { findReport, type ReportResult, runReport } from '../reports/reports.ts';
import { type LowStock, lowStock, storeCurrencies, type TodayFigures, todayFigures } from '../reports/today.ts';
import type { SqlRunner } from '../warehouse/database.ts';
import { type DeadLetterSummary, listDeadLetters } from '../warehouse/sql/list-dead-letters.ts';

/** The pipeline's own counters at one moment: the consumer's totals (pos start) or the warehouse's and Kafka's (pos dashboard). */
export interface PipelineCounters {
  /** Transactions the tills produced (pos start), or messages in the topic (pos dashboard); null without a broker. */
  produced: number | null;
  landed: number;
  lines: number;
  deadLetters: number;
  /** Messages in Kafka the warehouse has not taken in yet; null without a broker. */
  lag: number | null;
  /** The simulated clock (UTC ms) and its speed, when the simulator runs in this process. */
  simulated?: { at: number; speed: number };
}

/** One second of history: the counters as they were then. */
export interface Sample {
  at: number;
  produced: number | null;
  landed: number;
  lag: number | null;
}

/** What the page gets each second, as JSON over Server-Sent Events. */
export interface Snapshot {
  at: number;
  command: string;
  source: { brokers: string; topic: string; database: string };
  counters: PipelineCounters;
  /** Transactions per second over the last seconds: produced when known, else landed. */
  perSecond: number;
  /** The local "today" of each store is taken at this instant. */
  todayAt: string;
  today: TodayFigures;
  /** The `sales-by-store` report over the whole warehouse. */
  allTime: ReportResult['rows'];
  /** Each store's currency, by store id. */
  currencies: Record<string, string>;
  /** Products out of stock or about to be, over the whole chain; null when stock is not tracked. */
  lowStock: LowStock | null;
  deadLetters: DeadLetterSummary[];
  history: Sample[];
}

const HISTORY_SECONDS = 300;
const RATE_WINDOW = 5;
/**
 * The low-stock figures read 28 days of the product aggregate, more than the rest together: they
 * are read again once this many times their last run has passed, so that they never take more
 * than a small share of the database's time, and every second while they are quick.
 */
const LOW_STOCK_SPACING = 10;
const SALES_BY_STORE = findReport('sales-by-store');

/**
 * The live dashboard's data: each `publish` runs the dashboard's queries once and sends the
 * result to every open page, with the last minutes of counters, so a page that opens later
 * still draws the throughput so far.
 */
export class LiveFeed {
  readonly #clients = new Set<ServerResponse>();
  readonly #history: Sample[] = [];
  #last: string | undefined;
  #lowStock: { figures: LowStock | null; readAt: number; tookMs: number } | undefined;

  readonly #command: string;

  constructor(command: string) {
    this.#command = command;
  }

  get clients(): number {
    return this.#clients.size;
  }

  async publish(db: SqlRunner, source: Snapshot['source'], counters: PipelineCounters, todayAt: Date): Promise<Snapshot> {
    if (!SALES_BY_STORE) throw new Error('the sales-by-store report is missing');
    // One query at a time (see todayFigures).
    const today = await todayFigures(db, todayAt);
    const allTime = await runReport(db, SALES_BY_STORE);
    const currencies = await storeCurrencies(db);
    const lowStockNow = await this.#lowStockFigures(db);
    const { letters: deadLetters } = await listDeadLetters(db, { limit: 10, newestFirst: true });
    const now = Date.now();
    this.#history.push({ at: now, produced: counters.produced, landed: counters.landed, lag: counters.lag });
    if (this.#history.length > HISTORY_SECONDS) this.#history.shift();
    const snapshot: Snapshot = {
      at: now,
      command: this.#command,
      source,
      counters,
      perSecond: this.#rate(),
      todayAt: todayAt.toISOString(),
      today,
      allTime: allTime.rows,
      currencies,
      lowStock: lowStockNow,
      deadLetters,
      history: this.#history,
    };
    this.#last = `data: ${JSON.stringify(snapshot)}\n\n`;
    for (const client of this.#clients) client.write(this.#last);
    return snapshot;
  }

  /** The `/events` route: Server-Sent Events, the latest snapshot at once, then one a second. */
  events(): HttpStream {
    return {
      contentType: 'text/event-stream; charset=utf-8',
      open: (response, closed) => {
        // The browser reconnects a second after the stream drops (a restarted server).
        response.write('retry: 1000\n\n');
        if (this.#last) response.write(this.#last);
        this.#clients.add(response);
        closed.addEventListener('abort', () => this.#clients.delete(response), { once: true });
      },
    };
  }

  async #lowStockFigures(db: SqlRunner): Promise<LowStock | null> {
    const last = this.#lowStock;
    if (last && performance.now() - last.readAt < last.tookMs * LOW_STOCK_SPACING) return last.figures;
    const started = performance.now();
    const figures = await lowStock(db);
    this.#lowStock = { figures, readAt: started, tookMs: performance.now() - started };
    return figures;
  }

  #rate(): number {
    const first = this.#history.at(-1 - Math.min(RATE_WINDOW, this.#history.length - 1));
    const last = this.#history.at(-1);
    if (!first || !last || last.at === first.at) return 0;
    const count = (sample: Sample) => sample.produced ?? sample.landed;
    return ((count(last) - count(first)) * 1000) / (last.at - first.at);
  }
}
