/**
 * The live view of `pos start`: what the tills produced, what the warehouse took in, and each
 * store's sales today, redrawn in place on a terminal.
 */
export interface DashboardState {
  /** Wall-clock milliseconds since the start. */
  elapsedMs: number;
  /** The simulated time (UTC ms) and how much faster than real time it runs. */
  simulatedAt: number;
  speed: number;
  rate: number;
  brokers: string;
  topic: string;
  database: string;
  produced: number;
  failed: number;
  ingested: number;
  lines: number;
  deadLetters: number;
  lag: number;
  salesToday: { storeId: string; name: string; transactions: number; total: string }[];
  /** Store and product pairs out of stock, and under 2 days of cover (src/reports/today.ts lowStock), when stock is tracked. */
  lowStock?: { outOfStock: number; underTwoDays: number } | undefined;
  /** The last warning or error logged, if any. */
  lastProblem: string | undefined;
  /** Where the web dashboard is served, if it is. */
  webUrl?: string | undefined;
}

const number = (value: number) => value.toLocaleString('en-US');

export function dashboardLines(state: DashboardState, width = 100): string[] {
  const seconds = Math.floor(state.elapsedMs / 1000);
  const clock = `${String(Math.floor(seconds / 60)).padStart(2, '0')}:${String(seconds % 60).padStart(2, '0')}`;
  const simulated = new Date(state.simulatedAt).toISOString().slice(0, 16).replace('T', ' ');
  const rate = state.elapsedMs > 0 ? (state.produced / state.elapsedMs) * 1000 : 0;
  const lines = [
    `pos start — running ${clock}, ${number(state.rate)} transactions/s wanted${state.speed === 1 ? '' : `, simulated time ×${state.speed}`} (${simulated} UTC)   Ctrl-C stops`,
    `Kafka ${state.brokers}, topic ${state.topic} → ${state.database}`,
    ...(state.webUrl ? [`Dashboard: ${state.webUrl}/`] : []),
    '',
    `  produced      ${number(state.produced).padStart(10)}   ${rate.toFixed(1)}/s${state.failed ? `   ${number(state.failed)} failed` : ''}`,
    `  ingested      ${number(state.ingested).padStart(10)}   ${number(state.lines)} lines`,
    `  consumer lag  ${number(state.lag).padStart(10)}`,
    `  dead letters  ${number(state.deadLetters).padStart(10)}`,
    ...(state.lowStock
      ? [
          `  out of stock  ${number(state.lowStock.outOfStock).padStart(10)}   ${number(state.lowStock.underTwoDays)} more under 2 days of cover`,
        ]
      : []),
    '',
    "Sales today, on each store's own calendar:",
  ];
  if (state.salesToday.length === 0) lines.push('  (none yet: stores trade in their opening hours, in their own time zone)');
  const nameWidth = Math.max(10, ...state.salesToday.map((store) => store.name.length));
  for (const store of state.salesToday) {
    lines.push(
      `  ${store.storeId}  ${store.name.padEnd(nameWidth)}  ${number(store.transactions).padStart(7)}  ${store.total.padStart(12)}`,
    );
  }
  if (state.lastProblem) lines.push('', `Last problem: ${state.lastProblem}`);
  return lines.map((line) => (line.length > width ? `${line.slice(0, width - 1)}…` : line));
}

/** Draws lines over the ones drawn before, so the view refreshes in place. */
export class TerminalView {
  readonly #out: NodeJS.WriteStream;
  #drawn = 0;

  constructor(out: NodeJS.WriteStream) {
    this.#out = out;
  }

  draw(lines: string[]): void {
    const up = this.#drawn > 0 ? `\x1b[${this.#drawn}A` : '';
    this.#out.write(`${up}\r\x1b[J${lines.join('\n')}\n`);
    this.#drawn = lines.length;
  }
}
