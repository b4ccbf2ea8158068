/**
 * npm run bench:warehouse [-- --lines 20000000 --keep --runs 5 --facts-runs 5]
 *
 * Grows a warehouse to --lines lines of the standard chain's trading (25 stores at 20
 * transactions a second: 1,728,000 transactions, some 6.9 million lines, a day), then times every
 * report (all time, and the last 7 days) and the live dashboard's tick (the whole of it, and each
 * query in it): the median of --runs after one warm-up, from the aggregates (what the reports and
 * the page read), beside the same figures computed from the facts in the same run (the reference:
 * each report's `factSql`, and the dashboard's queries as they were before the aggregates,
 * bench/dashboard-from-facts.ts). Needs a PostgreSQL server (DATABASE_URL, PG_*, else
 * 127.0.0.1:5432); no broker.
 *
 * The warehouse is the database pos_bench_warehouse, dropped at the end unless --keep; a later run
 * uses it again when it holds --lines lines or more (a run that was interrupted while it grew
 * left none it would use). Its growth is checked against the free disk first.
 */
import { statfs } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import * as flags from '../src/cli/flags.ts';
import { LiveFeed } from '../src/dashboard/feed.ts';
import { loadConfig, type ServerDatabaseConfig } from '../src/plumbing/config.ts';
import { errorMessage } from '../src/plumbing/errors.ts';
import { isLoopbackHost } from '../src/plumbing/hosts.ts';
import { REPORTS, type ReportFilter, runReport } from '../src/reports/reports.ts';
import {
  categoriesToday,
  hourlyToday,
  latestTransactionAt,
  paymentMixToday,
  returnsToday,
  todayFigures,
  warehouseTotals,
} from '../src/reports/today.ts';
import { AGGREGATES } from '../src/warehouse/aggregates.ts';
import { openWarehouse, type SqlRunner, type Warehouse, withServerClient } from '../src/warehouse/database.ts';
import { migrateWarehouse } from '../src/warehouse/migrate.ts';
import { listDeadLetters } from '../src/warehouse/sql/list-dead-letters.ts';
import { salesToday } from '../src/warehouse/sql/sales-today.ts';
import { FACT_DASHBOARD, factTodayFigures } from './dashboard-from-facts.ts';
import { simulateDay } from './history.ts';
import { prefill } from './prefill.ts';
import { benchServer } from './server.ts';

const DATABASE = 'pos_bench_warehouse';
/** The issue's chain: 25 stores at about 20 transactions a second, around the clock. */
const TRANSACTIONS_PER_DAY = 20 * 86_400;
/** The backlog is an eighth of a day, copied 8 times into each (a whole day's messages take some 3 GB of heap). */
const COPIES_PER_DAY = 8;
/**
 * What a line takes on disk once grown, indexes, transactions and aggregates included (the
 * database's bytes ÷ its lines, measured at 2 and 8 million lines, rounded up), and what the run
 * takes besides while it lasts: the temporary files of the largest query over the facts (a hash
 * join of the lines with their transactions), and WAL.
 */
const BYTES_PER_LINE = 250;
const TEMPORARY_BYTES_PER_LINE = 70;
const WAL_BYTES = 2 * 2 ** 30;
/** The grown database's mark: what it held when it was done growing. Absent while it grows. */
const GROWN = /^bench:warehouse grown to (\d+) lines$/;

/** The issue's targets: every report and the dashboard's whole tick, median, at 20 and at 100 million lines. */
const TARGETS = [
  { lines: 20_000_000, ms: 100 },
  { lines: 100_000_000, ms: 300 },
];

const options = parseFlags();
const server = benchServer(loadConfig().database);
const database: ServerDatabaseConfig = { ...server, database: DATABASE, connectionString: undefined };
const adminQuery = <Row extends Record<string, unknown>>(text: string, params?: unknown[]) =>
  withServerClient(server, (admin) => admin.query<Row>(text, params));
const number = (n: number) => Math.round(n).toLocaleString('en-US');

// Ctrl-C: the database is dropped unless --keep (then one interrupted while it grew is left unmarked: no run uses it).
let interrupted = false;
process.once('SIGINT', () => {
  interrupted = true;
  console.log(`\nInterrupted${options.keep ? '' : `; dropping ${DATABASE}`}…`);
  const dropping = options.keep ? Promise.resolve() : adminQuery(`drop database if exists ${DATABASE} with (force)`);
  dropping.finally(() => process.exit(130));
});

let warehouse: Warehouse | undefined;
try {
  warehouse = await warehouseOfAtLeast(options.lines);
  const size = await warehouseSize(warehouse);
  console.log(
    `${DATABASE}: ${number(size.transactions)} transactions, ${number(size.lines)} lines over ${size.days} days; ` +
      `facts ${gigabytes(size.factBytes)}, aggregates ${gigabytes(size.aggregateBytes)}, ` +
      `the database ${gigabytes(size.databaseBytes)} (${number(size.databaseBytes / size.lines)} bytes a line).`,
  );
  const rows = await timeQueries(warehouse);
  printTable(rows, size);
} catch (error) {
  // Once interrupted, the failure is the dropped database's, already said.
  if (!interrupted) console.error(`bench:warehouse failed: ${errorMessage(error)}`);
  process.exitCode = 1;
} finally {
  await warehouse?.close();
  if (!options.keep) await adminQuery(`drop database if exists ${DATABASE} with (force)`);
  else if (warehouse) console.log(`Kept ${DATABASE} (--keep): a later run with --lines up to its size uses it again.`);
}

interface Flags {
  lines: number;
  keep: boolean;
  runs: number;
  factsRuns: number;
}

/** The flags, checked: a usage error (exit 2) names the flag and what it takes. */
function parseFlags(): Flags {
  try {
    const { values } = parseArgs({
      options: {
        lines: { type: 'string', default: '20000000' },
        keep: { type: 'boolean', default: false },
        runs: { type: 'string', default: '5' },
        'facts-runs': { type: 'string', default: '5' },
      },
    });
    const flag = (name: string, text: string, parse: (text: string) => number) => {
      try {
        return parse(text);
      } catch (error) {
        throw new Error(`--${name}: ${errorMessage(error)}`);
      }
    };
    return {
      lines: flag('lines', values.lines, flags.integer(100_000, 2_000_000_000)),
      keep: values.keep,
      runs: flag('runs', values.runs, flags.integer(1, 1_000)),
      // 0 skips the facts: at 100 million lines each of their queries takes many seconds.
      factsRuns: flag('facts-runs', values['facts-runs'], flags.integer(0, 1_000)),
    };
  } catch (error) {
    console.error(`bench:warehouse: ${errorMessage(error)}`);
    console.error('usage: npm run bench:warehouse -- [--lines 20000000] [--keep] [--runs 5] [--facts-runs 5]');
    process.exit(2);
  }
}

/** pos_bench_warehouse, used again when a run grew it to `lines` or more, else grown afresh. */
async function warehouseOfAtLeast(lines: number): Promise<Warehouse> {
  const [existing] = await adminQuery<{ comment: string | null }>(
    `select shobj_description(oid, 'pg_database') as comment from pg_database where datname = $1`,
    [DATABASE],
  );
  const grown = Number(GROWN.exec(existing?.comment ?? '')?.[1] ?? 0);
  if (existing && grown >= lines) {
    console.log(
      `Using ${DATABASE} again: an earlier run grew it to ${number(grown)} lines${grown > lines ? ` (asked: ${number(lines)})` : ''}.`,
    );
    const warehouse = await openWarehouse(database, { applicationName: 'pos-bench-warehouse' });
    await migrateWarehouse(warehouse);
    return warehouse;
  }
  if (existing) {
    console.log(
      `Dropping ${DATABASE}: ${grown > 0 ? `it holds ${number(grown)} lines, fewer than asked` : 'it never finished growing'}.`,
    );
    await adminQuery(`drop database ${DATABASE} with (force)`);
  }
  await checkDisk(lines);
  await adminQuery(`create database ${DATABASE}`);
  const warehouse = await openWarehouse(database, { applicationName: 'pos-bench-warehouse' });
  try {
    await migrateWarehouse(warehouse);
    await grow(warehouse, lines);
  } catch (error) {
    await warehouse.close();
    throw error;
  }
  await adminQuery(`comment on database ${DATABASE} is 'bench:warehouse grown to ${lines} lines'`);
  return warehouse;
}

/** Refuses to start growing what the disk under the server's data cannot hold. */
async function checkDisk(lines: number): Promise<void> {
  const needed = lines * (BYTES_PER_LINE + TEMPORARY_BYTES_PER_LINE) + WAL_BYTES;
  if (!isLoopbackHost(server.host)) {
    console.log(`The server at ${server.host} is on another machine: it needs some ${gigabytes(needed)} free; not checked.`);
    return;
  }
  const [setting] = await adminQuery<{ data_directory: string }>('show data_directory').catch(() => []);
  const candidates = [setting?.data_directory, '/'].filter((path): path is string => path !== undefined);
  for (const path of candidates) {
    const disk = await statfs(path).catch(() => undefined);
    if (!disk) continue;
    const free = disk.bavail * disk.bsize;
    if (free < needed) {
      throw new Error(
        `growing ${number(lines)} lines needs some ${gigabytes(needed)} (${BYTES_PER_LINE} bytes a line stored, ` +
          `${TEMPORARY_BYTES_PER_LINE} in the temporary files of a query over the facts, ${gigabytes(WAL_BYTES)} of WAL), ` +
          `and ${path} has ${gigabytes(free)} free; ` +
          'free some space or ask for fewer --lines',
      );
    }
    console.log(`Disk: ${gigabytes(free)} free under ${path}; growing ${number(lines)} lines needs some ${gigabytes(needed)}.`);
    return;
  }
  console.log(`Disk: could not read the free space under ${candidates.join(' or ')}; not checked.`);
}

/** Simulates an eighth of a day of trading, then copies it back in time until the warehouse holds `lines` lines. */
async function grow(warehouse: Warehouse, lines: number): Promise<void> {
  const newestDay = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
  const perCopy = TRANSACTIONS_PER_DAY / COPIES_PER_DAY;
  let started = performance.now();
  console.log(`Simulating ${number(perCopy)} transactions of ${newestDay} (an eighth of the day's trading) in memory…`);
  const backlog = await simulateDay({ transactions: perCopy, date: newestDay, seed: 1 });
  console.log(`  made in ${seconds(started)}.`);

  started = performance.now();
  let said = { at: started, loaded: 0 };
  let step = { what: 'copying', started };
  console.log(
    `Growing ${DATABASE} to ${number(lines)} lines, day by day back from ${newestDay}, ${COPIES_PER_DAY} copies a day…`,
  );
  const grown = await prefill(
    warehouse,
    backlog,
    lines,
    (loaded) => {
      const now = performance.now();
      if (now - said.at < 10_000 && loaded < lines) return;
      // The rate since the line before: the ETA follows it as the tables grow.
      const rate = (loaded - said.loaded) / ((now - said.at) / 1000);
      const left = (lines - loaded) / rate;
      said = { at: now, loaded };
      console.log(
        `  ${number(loaded)} / ${number(lines)} lines (${((loaded / lines) * 100).toFixed(0)}%), ` +
          `${number(rate)} lines/s${loaded < lines ? `, about ${duration(left)} left` : ''}`,
      );
    },
    {
      unit: 'lines',
      copiesPerSpan: COPIES_PER_DAY,
      ownDays: true,
      step: (what) => {
        console.log(`  ${step.what}: ${seconds(step.started)}; ${what}…`);
        step = { what, started: performance.now() };
      },
    },
  );
  console.log(`  ${step.what}: ${seconds(step.started)}.`);
  console.log(
    `Grew ${number(grown.transactions)} transactions, ${number(grown.lines)} lines in ${seconds(started)} ` +
      `(${number(grown.lines / ((performance.now() - started) / 1000))} lines/s, the aggregates and the vacuum included).`,
  );
}

interface WarehouseSize {
  transactions: number;
  lines: number;
  days: number;
  factBytes: number;
  aggregateBytes: number;
  databaseBytes: number;
}

async function warehouseSize(db: SqlRunner): Promise<WarehouseSize> {
  const relations = (tables: readonly string[]) => tables.map((table) => `pg_total_relation_size('${table}')`).join(' + ');
  const [row] = await db.query<Record<keyof WarehouseSize, string>>(
    `select (select count(*) from pos.fact_transaction)::text as transactions,
            (select count(*) from pos.fact_sales_line)::text as lines,
            (select count(distinct date_key) from pos.agg_store_hour)::text as days,
            (${relations(['pos.fact_transaction', 'pos.fact_sales_line'])})::text as "factBytes",
            (${relations(AGGREGATES.map((aggregate) => aggregate.table))})::text as "aggregateBytes",
            pg_database_size(current_database())::text as "databaseBytes"`,
  );
  if (!row) throw new Error(`${DATABASE} gave no size`);
  return {
    transactions: Number(row.transactions),
    lines: Number(row.lines),
    days: Number(row.days),
    factBytes: Number(row.factBytes),
    aggregateBytes: Number(row.aggregateBytes),
    databaseBytes: Number(row.databaseBytes),
  };
}

interface Timed {
  query: string;
  /** Median milliseconds; undefined when not run. */
  aggregates: number | undefined;
  facts: number | undefined;
  /** Whether both gave the same rows; undefined when not compared. */
  same?: boolean;
}

/** The reports and the dashboard's queries, each from the aggregates and from the facts. */
async function timeQueries(warehouse: Warehouse): Promise<Timed[]> {
  const [newest] = await warehouse.query<{ date: string | null }>(
    `select to_char(to_date(max(date_key)::text, 'YYYYMMDD'), 'YYYY-MM-DD') as date from pos.fact_transaction`,
  );
  if (!newest?.date) throw new Error(`${DATABASE} holds no transactions`);
  const weekFrom = new Date(Date.parse(`${newest.date}T00:00:00Z`) - 6 * 86_400_000).toISOString().slice(0, 10);
  const latest = await latestTransactionAt(warehouse);
  if (!latest) throw new Error(`${DATABASE} gave no latest transaction`);
  console.log(
    `Timing: the median of ${options.runs} (aggregates) and ${options.factsRuns} (facts) runs after one warm-up; ` +
      `"today" is the newest transaction's day (${latest.toISOString()}), the last 7 days are from ${weekFrom}.`,
  );

  const timed: Timed[] = [];
  const time = async (query: string, fromAggregates: () => Promise<unknown>, fromFacts?: () => Promise<unknown>) => {
    const aggregates = await median(options.runs, fromAggregates);
    const facts = fromFacts && options.factsRuns > 0 ? await median(options.factsRuns, fromFacts) : undefined;
    const same = facts ? sameRows(aggregates.result, facts.result) : undefined;
    const row: Timed = { query, aggregates: aggregates.ms, facts: facts?.ms, ...(same === undefined ? {} : { same }) };
    console.log(
      `  ${query}: ${milliseconds(row.aggregates)} ms from the aggregates, ${milliseconds(row.facts)} ms from the facts`,
    );
    timed.push(row);
  };

  const periods: { name: string; filter: ReportFilter }[] = [
    { name: 'all time', filter: {} },
    { name: 'last 7 days', filter: { from: weekFrom } },
  ];
  for (const report of REPORTS) {
    const fromFacts = { ...report, sql: report.factSql };
    for (const { name, filter } of periods) {
      await time(
        `report ${report.name}, ${name}`,
        async () => (await runReport(warehouse, report, filter)).rows,
        async () => (await runReport(warehouse, fromFacts, filter)).rows,
      );
    }
  }

  const salesByStore = REPORTS.find((report) => report.name === 'sales-by-store');
  if (!salesByStore) throw new Error('the sales-by-store report is missing: the dashboard shows it');
  const salesByStoreFromFacts = { ...salesByStore, sql: salesByStore.factSql };
  const discard = async (work: Promise<unknown>) => {
    await work;
  };
  await time(
    'dashboard: warehouse totals',
    () => warehouseTotals(warehouse),
    () => FACT_DASHBOARD.warehouseTotals(warehouse),
  );
  await time(
    'dashboard: latest transaction',
    () => latestTransactionAt(warehouse),
    () => FACT_DASHBOARD.latestTransactionAt(warehouse),
  );
  await time(
    'dashboard: today by store',
    () => salesToday(warehouse, latest, 1000),
    () => FACT_DASHBOARD.salesToday(warehouse, latest),
  );
  await time(
    'dashboard: today by category',
    () => categoriesToday(warehouse, latest),
    () => FACT_DASHBOARD.categoriesToday(warehouse, latest),
  );
  await time(
    'dashboard: today by hour',
    () => hourlyToday(warehouse, latest),
    () => FACT_DASHBOARD.hourlyToday(warehouse, latest),
  );
  await time(
    'dashboard: today by tender',
    () => paymentMixToday(warehouse, latest),
    () => FACT_DASHBOARD.paymentMixToday(warehouse, latest),
  );
  await time(
    'dashboard: today returns',
    () => returnsToday(warehouse, latest),
    () => FACT_DASHBOARD.returnsToday(warehouse, latest),
  );
  await time(
    'dashboard: all of today (the five above)',
    () => discard(todayFigures(warehouse, latest)),
    () => factTodayFigures(warehouse, latest),
  );
  await time(
    'dashboard: sales by store, all time',
    () => discard(runReport(warehouse, salesByStore)),
    () => discard(runReport(warehouse, salesByStoreFromFacts)),
  );
  await time('dashboard: dead letters (no facts)', () => listDeadLetters(warehouse, { limit: 10, newestFirst: true }));

  // The tick as `pos dashboard` runs it (src/dashboard/watch.ts): the counters, then the page's queries.
  const feed = new LiveFeed('bench:warehouse');
  const source = { brokers: '', topic: '', database: warehouse.description };
  await time(
    'dashboard: the whole tick',
    async () => {
      const [totals, at] = await Promise.all([warehouseTotals(warehouse), latestTransactionAt(warehouse)]);
      const counters = {
        produced: null,
        landed: totals.transactions,
        lines: totals.lines,
        deadLetters: totals.dead_letters,
        lag: null,
      };
      await feed.publish(warehouse, source, counters, at ?? new Date());
    },
    async () => {
      const [, at] = await Promise.all([
        FACT_DASHBOARD.warehouseTotals(warehouse),
        FACT_DASHBOARD.latestTransactionAt(warehouse),
      ]);
      await factTodayFigures(warehouse, at ?? new Date());
      await runReport(warehouse, salesByStoreFromFacts);
      await listDeadLetters(warehouse, { limit: 10, newestFirst: true });
    },
  );
  return timed;
}

/** The median time of `runs` runs after one warm-up, and the last run's result. */
async function median(runs: number, work: () => Promise<unknown>): Promise<{ ms: number; result: unknown }> {
  let result = await work();
  const times: number[] = [];
  for (let run = 0; run < runs; run++) {
    const started = performance.now();
    result = await work();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  const middle = Math.floor(times.length / 2);
  const ms = times.length % 2 === 1 ? (times[middle] as number) : ((times[middle - 1] as number) + (times[middle] as number)) / 2;
  return { ms, result };
}

/** Whether two results are the same, rows in the same order; undefined when there is nothing to compare (the tick's). */
function sameRows(a: unknown, b: unknown): boolean | undefined {
  if (a === undefined || b === undefined) return undefined;
  return JSON.stringify(a) === JSON.stringify(b);
}

function printTable(rows: Timed[], size: WarehouseSize): void {
  const header = ['query', 'aggregates ms', 'facts ms', 'facts ÷ aggregates', 'same rows'];
  const cells = rows.map((row) => [
    row.query,
    milliseconds(row.aggregates),
    milliseconds(row.facts),
    row.aggregates !== undefined && row.facts !== undefined ? `${ratio(row.facts / row.aggregates)}` : '–',
    row.same === undefined ? '–' : row.same ? 'yes' : 'NO',
  ]);
  const widths = header.map((title, i) => Math.max(title.length, ...cells.map((cell) => (cell[i] as string).length)));
  const line = (cell: string[]) =>
    `| ${cell.map((text, i) => (i === 0 ? text.padEnd(widths[i] as number) : text.padStart(widths[i] as number))).join(' | ')} |`;
  console.log();
  console.log(
    `${number(size.transactions)} transactions, ${number(size.lines)} lines, ${size.days} days; ` +
      `facts ${gigabytes(size.factBytes)}, aggregates ${gigabytes(size.aggregateBytes)} (pg_total_relation_size)`,
  );
  console.log();
  console.log(line(header));
  console.log(`|${widths.map((width, i) => (i === 0 ? '-'.repeat(width + 2) : `${'-'.repeat(width + 1)}:`)).join('|')}|`);
  for (const cell of cells) console.log(line(cell));
  console.log();

  // The targets are on every report and on the tick as a whole.
  const judged = rows.filter((row) => row.query.startsWith('report ') || row.query === 'dashboard: the whole tick');
  const slowest = judged.reduce((a, b) => ((b.aggregates ?? 0) > (a.aggregates ?? 0) ? b : a));
  // By the size asked for: growing stops at the first message that reaches it, a few lines over.
  const target = TARGETS.find((each) => options.lines <= each.lines);
  const verdict = target
    ? `the target at up to ${number(target.lines)} lines is ${target.ms} ms: ${(slowest.aggregates ?? 0) <= target.ms ? 'met' : 'NOT met'}`
    : `no target is set above ${number(TARGETS.at(-1)?.lines ?? 0)} lines`;
  console.log(`Slowest of the reports and the whole tick: ${slowest.query}, ${milliseconds(slowest.aggregates)} ms; ${verdict}.`);
  const differing = rows.filter((row) => row.same === false).map((row) => row.query);
  if (differing.length > 0) console.log(`The aggregates and the facts gave different rows for: ${differing.join('; ')}.`);
}

function milliseconds(ms: number | undefined): string {
  if (ms === undefined) return '–';
  return ms < 10 ? ms.toFixed(1) : number(ms);
}

function ratio(value: number): string {
  return value < 10 ? value.toFixed(1) : number(value);
}

function gigabytes(bytes: number): string {
  return bytes < 2 ** 30 ? `${(bytes / 2 ** 20).toFixed(0)} MB` : `${(bytes / 2 ** 30).toFixed(1)} GB`;
}

function seconds(since: number): string {
  return duration((performance.now() - since) / 1000);
}

function duration(seconds: number): string {
  if (seconds < 90) return `${seconds.toFixed(0)} s`;
  if (seconds < 5400) return `${(seconds / 60).toFixed(0)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}
