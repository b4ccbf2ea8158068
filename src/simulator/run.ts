import { setTimeout as sleep } from 'node:timers/promises';
import { type CatalogSizes, createCatalog, DEFAULT_CATALOG_SEED } from '../catalog/catalog.ts';
import type { ChainName } from '../catalog/chains.ts';
import type { Store } from '../catalog/stores.ts';
import type { SchemaVersion } from '../contract/message.ts';
import { ByteWriter } from '../plumbing/byte-writer.ts';
import { type Logger, silentLogger } from '../plumbing/logger.ts';
import { Progress } from '../plumbing/progress.ts';
import { Random } from '../plumbing/random.ts';
import { encodeChunks } from './chunk-pool.ts';
import { chunkSlots } from './chunks.ts';
import { encodeTransaction } from './encode.ts';
import { encodeInventoryEvent, type StockEvent } from './inventory-events.ts';
import { simulatorMetrics } from './metrics.ts';
import { checkSimulationOptions, contractOf } from './options.ts';
import { backfillSchedule, TradingPattern } from './schedule.ts';
import { Simulator } from './simulator.ts';
import type { MessageSink } from './sinks.ts';
import { Stock, type StockSummary } from './stock.ts';

export interface BackfillMode {
  kind: 'backfill';
  count: number;
  /** First local date, YYYY-MM-DD. */
  startDate: string;
  days: number;
}

export interface RealtimeMode {
  kind: 'realtime';
  /** Transactions per second, across all stores. */
  rate: number;
  /** Stop after this long (wall clock); run until aborted when absent. */
  durationMs?: number;
  /** Simulated seconds per real second: 60 makes an hour of trading pass in a minute. */
  speed: number;
  /** Where simulated time starts (UTC ms); now by default. */
  startAt?: number;
}

export interface SimulationOptions {
  /** The run's seed: which transactions. */
  seed: number;
  /** The chain's seed: which stores, products and customers (default: the standard chain). */
  catalogSeed?: number;
  sizes: CatalogSizes;
  /** Which chain: the US one (default), or the Canadian one (the prototype's). */
  chain?: ChainName;
  /**
   * The contract version of the messages: the chain's default when absent (us: 1, canada: 2).
   * Give a KafkaSink the same (its `schema` header says it).
   */
  contract?: SchemaVersion;
  mode: BackfillMode | RealtimeMode;
  sink: MessageSink;
  logger?: Logger;
  /** Aborting stops the run cleanly: what was made is flushed and counted. */
  signal?: AbortSignal;
  /** Shows progress there: a bar on a terminal, else a log line every 5 s. None when absent. */
  progressStream?: NodeJS.WriteStream;
  /** Called for each transaction made, with the running count (for live views). */
  onTransaction?: (made: number) => void;
  /**
   * Backfill: threads that make transactions besides this one (0: only this one). Output is the
   * same either way. Ignored with stock, which makes the backfill in one sequence.
   */
  threads?: number;
  /**
   * Keep stock per store and product (src/simulator/stock.ts): sales take what the shelves hold
   * (the rest is lost; a basket left empty is no transaction), and deliveries, counts and write-offs
   * go to `inventorySink` as messages of the contract pos.inventory.v1. Default false (`pos simulate`
   * turns it on for the Canadian chain, `pos start` for both); with it, the run is one sequence.
   */
  stock?: boolean;
  /** With stock: where the inventory messages go (a KafkaSink on `<topic>.Inventory`); made and dropped when absent. */
  inventorySink?: MessageSink;
}

export interface SimulationResult {
  /** Transactions made by the simulator. */
  made: number;
  sent: number;
  failed: number;
  /** Requests to Kafka tried again after a failure (each of them eventually sent, or counted in failed). */
  retried: number;
  bytes: number;
  elapsedMs: number;
  /** Real-time slots that fell when every store was closed. */
  skipped: number;
  /** With stock: the inventory messages made, and the sales lost to empty shelves. */
  stock?: StockSummary;
}

/** `pos simulate`: makes transactions from the seed and hands them to the sink (Kafka or stdout). */
export async function simulate(options: SimulationOptions): Promise<SimulationResult> {
  checkSimulationOptions(options);
  const logger = options.logger ?? silentLogger;
  const catalogSeed = options.catalogSeed ?? DEFAULT_CATALOG_SEED;
  const chain = options.chain ?? 'us';
  const contract = contractOf(chain, options.contract);
  const catalog = createCatalog(catalogSeed, options.sizes, chain);
  const pattern = new TradingPattern(catalog);
  const mode = options.mode;
  // Real time starts now unless told: taken once, for the slots and for the stock's opening.
  const realtimeStart = mode.kind === 'realtime' ? (mode.startAt ?? Date.now()) : 0;
  const stock = options.stock
    ? new Stock({
        catalog,
        pattern,
        seed: options.seed,
        transactionsPerDay: mode.kind === 'backfill' ? mode.count / mode.days : (mode.rate / mode.speed) * 86_400,
        // The first slot is at ⌊start⌋ (runRealtime): the shelves are stocked by then.
        opening: mode.kind === 'backfill' ? { startDate: mode.startDate } : { startAt: Math.floor(realtimeStart) },
      })
    : undefined;
  const started = performance.now();
  const progress =
    options.progressStream &&
    new Progress({
      unit: 'transactions',
      logger,
      stream: options.progressStream,
      ...(mode.kind === 'backfill' ? { total: mode.count } : {}),
    });
  const metrics = simulatorMetrics();
  let made = 0;
  const emit = (store: number, value: Buffer): Promise<void> | undefined => {
    made++;
    metrics.made.inc();
    options.onTransaction?.(made);
    progress?.update(made, { failed: options.sink.stats.failed });
    return options.sink.write((catalog.stores[store] as Store).storeId, value);
  };
  const sendEvents = async (events: StockEvent[]): Promise<void> => {
    for (const event of events) {
      const wait = options.inventorySink?.write(event.store.storeId, encodeInventoryEvent(event, pattern.clock(event.store)));
      if (wait) await wait;
    }
  };
  const closeSinks = () => Promise.all([options.sink.close(), options.inventorySink?.close()]);

  let skipped = 0;
  metrics.running.set(1);
  try {
    if (stock) {
      if (mode.kind === 'backfill' && (options.threads ?? 0) > 0) {
        logger.debug({ threads: options.threads }, 'Stock is kept: the backfill is made in one sequence, threads are not used');
      }
      const simulator = new Simulator(catalog, options.seed, 0);
      const out = new ByteWriter();
      const format = { version: contract, currency: catalog.chain.currency };
      // A slot: the inventory events due by then, its transaction (if its basket is not left empty), then an unsellable return's write-off.
      const sell = (at: number, store: number): Promise<void> | undefined => {
        metrics.clock.set(at / 1000);
        const transaction = simulator.stockedTransactionAt(at, store, stock);
        if (!transaction) return undefined;
        out.reset();
        encodeTransaction(transaction, pattern.clock(transaction.store), out, format);
        const wait = emit(store, Buffer.from(out.written()));
        const writeOff = stock.eventsUntil(at);
        if (writeOff.length === 0) return wait;
        return wait ? wait.then(() => sendEvents(writeOff)) : sendEvents(writeOff);
      };
      const slot = (at: number, store: number): Promise<void> | undefined => {
        const due = stock.eventsUntil(at);
        return due.length === 0 ? sell(at, store) : sendEvents(due).then(() => sell(at, store));
      };
      if (mode.kind === 'backfill') {
        let slots = 0;
        for (const { at, store } of backfillSchedule(pattern, new Random(options.seed, 0x5c4ed), mode)) {
          if (options.signal?.aborted) break;
          const wait = slot(at, store);
          if (wait) await wait;
          // Let timers and signals (Ctrl-C) in now and then, as between the chunks of a backfill without stock.
          if (++slots % 4096 === 0) await new Promise((resolve) => setImmediate(resolve));
        }
      } else {
        skipped = await runRealtime(
          mode,
          realtimeStart,
          pattern,
          new Random(options.seed, 0x5c4ed),
          slot,
          logger,
          options.signal,
        );
      }
    } else if (mode.kind === 'backfill') {
      const slots = chunkSlots(backfillSchedule(pattern, new Random(options.seed, 0x5c4ed), mode));
      for await (const chunk of encodeChunks(
        slots,
        { seed: options.seed, catalogSeed, sizes: options.sizes, chain, contract },
        options.threads ?? 0,
      )) {
        const bytes = Buffer.from(chunk.bytes.buffer, chunk.bytes.byteOffset, chunk.bytes.length);
        let start = 0;
        for (let i = 0; i < chunk.ends.length && !options.signal?.aborted; i++) {
          const end = chunk.ends[i] as number;
          const wait = emit(chunk.stores[i] as number, bytes.subarray(start, end));
          if (wait) await wait;
          start = end;
        }
        if (options.signal?.aborted) break;
      }
    } else {
      const simulator = new Simulator(catalog, options.seed, 0);
      const out = new ByteWriter();
      const format = { version: contract, currency: catalog.chain.currency };
      const make = (at: number, store: number) => {
        metrics.clock.set(at / 1000);
        const transaction = simulator.transactionAt(at, store);
        out.reset();
        encodeTransaction(transaction, pattern.clock(transaction.store), out, format);
        return emit(store, Buffer.from(out.written()));
      };
      skipped = await runRealtime(mode, realtimeStart, pattern, new Random(options.seed, 0x5c4ed), make, logger, options.signal);
    }
  } catch (error) {
    // Release the producers' connections; the error that stopped the run is the one to report.
    await closeSinks().catch(() => {});
    throw error;
  } finally {
    metrics.running.set(0);
    progress?.finish();
  }
  const [stats] = await closeSinks();
  return {
    made,
    ...stats,
    elapsedMs: performance.now() - started,
    skipped,
    ...(stock ? { stock: stock.summary() } : {}),
  };
}

/**
 * Paces transactions at `rate` per second of wall clock. The k-th one happens at simulated time
 * start + k / rate × speed, at a store open then (chosen by traffic); a slot when every store is
 * closed is skipped, and said so once a minute.
 */
async function runRealtime(
  mode: RealtimeMode,
  simulatedStart: number,
  pattern: TradingPattern,
  random: Random,
  emit: (at: number, store: number) => Promise<void> | undefined,
  logger: Logger,
  signal: AbortSignal | undefined,
): Promise<number> {
  const started = performance.now();
  let slot = 0;
  let skipped = 0;
  let lastClosedNotice = Number.NEGATIVE_INFINITY;
  for (;;) {
    const elapsedMs = performance.now() - started;
    if (signal?.aborted || (mode.durationMs !== undefined && elapsedMs >= mode.durationMs)) return skipped;
    const due = Math.floor((elapsedMs / 1000) * mode.rate);
    for (; slot < due && !signal?.aborted; slot++) {
      const at = Math.floor(simulatedStart + (slot / mode.rate) * 1000 * mode.speed);
      const store = pattern.pickStore(at, random);
      if (store === undefined) {
        skipped++;
        if (elapsedMs - lastClosedNotice > 60_000) {
          lastClosedNotice = elapsedMs;
          logger.warn(
            { at: new Date(at).toISOString() },
            'Every store is closed at this time; transactions resume when one opens',
          );
        }
        continue;
      }
      const wait = emit(at, store);
      if (wait) await wait;
    }
    const nextDueMs = ((slot + 1) / mode.rate) * 1000;
    const untilEnd = mode.durationMs === undefined ? Number.POSITIVE_INFINITY : mode.durationMs - elapsedMs;
    await sleep(Math.max(1, Math.min(100, nextDueMs - elapsedMs, untilEnd)), undefined, { signal }).catch(() => {});
  }
}
