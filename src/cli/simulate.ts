import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { availableParallelism } from 'node:os';
import { finished } from 'node:stream/promises';
import type { Command } from 'commander';
import { DEFAULT_CATALOG_SEED, DEFAULT_SIZES } from '../catalog/catalog.ts';
import { CHAIN_NAMES, type ChainName } from '../catalog/chains.ts';
import type { SchemaVersion } from '../contract/message.ts';
import { ConfigError } from '../plumbing/errors.ts';
import {
  checkCustomersPerStore,
  checkProductsOfChain,
  checkStockedSizes,
  contractOf,
  SIMULATION_RULES as rules,
} from '../simulator/options.ts';
import { commandContext, type GlobalOptions, interruptSignal, print } from './context.ts';
import * as flags from './flags.ts';
import { addMetricsOptions, type MetricsFlags, startMetricsEndpoint } from './metrics.ts';

interface SimulateFlags extends MetricsFlags {
  rate: number;
  duration?: number;
  speed: number;
  count?: number;
  start: string;
  days: number;
  seed?: number;
  catalogSeed: number;
  chain: ChainName;
  contract?: SchemaVersion;
  topic?: string;
  partitions: number;
  stores: number;
  products: number;
  customers: number;
  dryRun?: boolean;
  format: 'jsonl' | 'pretty';
  compression: 'lz4' | 'zstd' | 'gzip' | 'snappy' | 'none';
  threads: number;
  /** Undefined unless --stock or --no-stock: the chain's default then. */
  stock?: boolean;
  inventoryTopic?: string;
  inventoryOut?: string;
}

/** One thread per core but one: the main thread produces to Kafka. */
function defaultThreads(): number {
  return Math.max(1, availableParallelism() - 1);
}

export function registerSimulateCommand(program: Command): void {
  const command = program
    .command('simulate')
    .description(
      'produce realistic, seeded POS transactions to Kafka: in real time at a rate, or a backfill of --count as fast as possible',
    )
    .option('--rate <per-second>', 'real time: transactions per second across all stores', flags.decimal(rules.rate), 20)
    .option('--duration <time>', 'real time: stop after this long (30s, 10m, 2h); default: until Ctrl-C', flags.duration)
    .option('--speed <factor>', 'real time: simulated seconds per real second', flags.decimal(rules.speed), 1)
    .option('--count <n>', 'backfill this many transactions, as fast as the broker takes them', flags.integer(rules.count))
    .option('--start <date>', 'backfill: first local trading day, YYYY-MM-DD', flags.text(rules.startDate), '2026-01-01')
    .option('--days <n>', 'backfill: number of trading days', flags.integer(rules.days), 30)
    .option(
      '--seed <n>',
      'seed of everything random; the same seed gives the same backfill, byte for byte (default: random)',
      flags.integer(rules.seed),
    )
    .option(
      '--catalog-seed <n>',
      'seed of the chain itself: its stores, products and customers',
      flags.integer(rules.catalogSeed),
      DEFAULT_CATALOG_SEED,
    )
    .option(
      '--chain <name>',
      "the chain: us (US states, USD, one sales tax per line) or canada (the prototype's grocer: every province, CAD, GST/HST and PST, QST or RST per line)",
      flags.oneOf(CHAIN_NAMES),
      'us',
    )
    .option(
      '--contract <version>',
      "message contract version: 1 or 2 (v2 lists each line's taxes); default: 1 for us, 2 for canada (which cannot be written in 1)",
      flags.integer(rules.contract),
    )
    .option('--topic <name>', 'topic to produce to (default: POS_TOPIC or PointOfSale)', flags.topic)
    .option('--partitions <n>', 'partitions of the topic, if it has to be created', flags.integer(1, 10_000), 6)
    .option('--stores <n>', 'stores in the chain', flags.integer(rules.stores), DEFAULT_SIZES.stores)
    .option(
      '--products <n>',
      'products in the catalog (at least one per category: 18; canada: 36, its 20 listed groceries too)',
      flags.integer(rules.products),
      DEFAULT_SIZES.products,
    )
    .option(
      '--customers <n>',
      'loyalty-card customers (at least one per store)',
      flags.integer(rules.customers),
      DEFAULT_SIZES.customers,
    )
    .option('--dry-run', 'write the messages to stdout instead of Kafka')
    .option(
      '--format <format>',
      'with --dry-run: jsonl (one compact object per line) or pretty',
      flags.oneOf(['jsonl', 'pretty'] as const),
      'jsonl',
    )
    .option(
      '--compression <codec>',
      'Kafka compression: lz4, zstd, gzip, snappy or none',
      flags.oneOf(['lz4', 'zstd', 'gzip', 'snappy', 'none'] as const),
      'lz4',
    )
    .option(
      '--threads <n>',
      'backfill: worker threads that make transactions (output is the same for any number; not used with stock)',
      flags.integer(rules.threads),
      defaultThreads(),
    )
    .option(
      '--stock',
      'keep stock per store and product: sales take what the shelves hold, deliveries and counts go to the inventory topic (default: on for canada, off for us)',
    )
    .option('--no-stock', 'no stock: every basket sells in full, and there are no inventory messages')
    .option(
      '--inventory-topic <name>',
      'with stock: the inventory topic, created like the sales topic (default: POS_INVENTORY_TOPIC or TOPIC.Inventory)',
      flags.topic,
    )
    .option('--inventory-out <file>', 'with stock and --dry-run: write the inventory messages to this file (default: drop them)');
  addMetricsOptions(command, 'serve /metrics, /healthz and /readyz on this port (default: off)').action(
    async (options: SimulateFlags, command: Command) => {
      const { config, logger } = commandContext(command.optsWithGlobals<GlobalOptions>());
      const backfill = options.count !== undefined;
      const sources = (name: string) => command.getOptionValueSource(name);
      for (const name of ['start', 'days'] as const) {
        if (!backfill && sources(name) === 'cli')
          throw new ConfigError(`--${name} is for a backfill.`, 'Add --count N, or leave it out for real time.');
      }
      for (const name of ['rate', 'duration', 'speed'] as const) {
        if (backfill && sources(name) === 'cli')
          throw new ConfigError(`--${name} is for real time, and --count asks for a backfill.`, 'Use one or the other.');
      }
      checkCustomersPerStore(options, (size) => `--${size}`);
      checkProductsOfChain(options.products, options.chain, '--products');
      const contract = contractOf(options.chain, options.contract, '--contract');
      // The US chain's messages stay as they were unless asked; the prototype's chain kept stock.
      const stock = options.stock ?? options.chain === 'canada';
      if (stock) checkStockedSizes(options, (size) => `--${size}`, '--no-stock');
      for (const [name, flag] of [
        ['inventoryTopic', '--inventory-topic'],
        ['inventoryOut', '--inventory-out'],
      ] as const) {
        if (!stock && sources(name) === 'cli') {
          throw new ConfigError(
            `${flag} is for a run with stock, and ${options.stock === false ? '--no-stock says there is none' : `the ${options.chain} chain runs without stock unless --stock is given`}.`,
            options.stock === false ? `Leave out ${flag} or --no-stock.` : 'Add --stock, or leave it out.',
          );
        }
      }
      if (options.inventoryOut !== undefined && !options.dryRun) {
        throw new ConfigError(
          '--inventory-out is for --dry-run.',
          'Add --dry-run, or leave it out: without --dry-run the inventory messages go to the inventory topic.',
        );
      }
      const seed = options.seed ?? flags.randomSeed();
      const topic = options.topic ?? config.topic;

      const { simulate } = await import('../simulator/run.ts');
      const { JsonLinesSink, KafkaSink } = await import('../simulator/sinks.ts');
      const { producerMetrics, simulatorMetrics } = await import('../simulator/metrics.ts');
      // Registered before the endpoint serves them: the first scrape has every series, at zero.
      producerMetrics();
      simulatorMetrics();
      let readiness: import('../metrics/endpoint.ts').Readiness = { ready: false, reason: 'connecting to Kafka' };
      const endpoint = await startMetricsEndpoint(options, config, logger, () => readiness);
      let inventoryFile: WriteStream | undefined;
      try {
        let sink: import('../simulator/sinks.ts').MessageSink;
        let inventorySink: import('../simulator/sinks.ts').MessageSink | undefined;
        let inventoryTopic: string | undefined;
        if (options.dryRun) {
          const pretty = options.format === 'pretty';
          sink = new JsonLinesSink(process.stdout, { pretty });
          if (stock && options.inventoryOut !== undefined) {
            inventoryFile = await openOutput(options.inventoryOut);
            inventorySink = new JsonLinesSink(inventoryFile, { pretty });
          }
        } else {
          const { kafkaConnection } = await import('../broker/lifecycle.ts');
          const kafka = kafkaConnection(config);
          sink = await KafkaSink.open({
            kafka,
            external: config.kafka.external,
            topic,
            createPartitions: options.partitions,
            compression: options.compression,
            schemaVersion: contract,
            logger,
          });
          if (stock) {
            const { defaultInventoryTopic } = await import('../ingest/consumer.ts');
            const { partitionCount } = await import('../kafka/admin.ts');
            const { INVENTORY_SCHEMA_NAME } = await import('../contract/inventory.ts');
            inventoryTopic = options.inventoryTopic ?? config.inventoryTopic ?? defaultInventoryTopic(topic);
            // Created like the sales topic: as many partitions as it has, so a store's two streams split alike.
            inventorySink = await KafkaSink.open({
              kafka,
              external: config.kafka.external,
              topic: inventoryTopic,
              createPartitions: await partitionCount(kafka, topic),
              compression: options.compression,
              schema: INVENTORY_SCHEMA_NAME,
              logger,
            }).catch(async (error: unknown) => {
              await sink.close().catch(() => {});
              throw error;
            });
          }
        }

        const mode = backfill
          ? { kind: 'backfill' as const, count: options.count as number, startDate: options.start, days: options.days }
          : {
              kind: 'realtime' as const,
              rate: options.rate,
              speed: options.speed,
              ...(options.duration ? { durationMs: options.duration } : {}),
            };
        logger.info(
          { seed, chain: options.chain, contract, topic: options.dryRun ? undefined : topic, stock, inventoryTopic, mode },
          'Simulating',
        );
        readiness = { ready: true };
        const result = await simulate({
          seed,
          catalogSeed: options.catalogSeed,
          sizes: { stores: options.stores, products: options.products, customers: options.customers },
          chain: options.chain,
          contract,
          mode,
          sink,
          logger,
          signal: interruptSignal(logger),
          threads: options.threads,
          progressStream: process.stderr,
          stock,
          ...(inventorySink ? { inventorySink } : {}),
        });
        if (inventoryFile) await closeOutput(inventoryFile);
        const seconds = result.elapsedMs / 1000;
        const summary = {
          seed,
          sent: result.sent,
          failed: result.failed,
          retried: result.retried,
          skipped: result.skipped,
          seconds: Number(seconds.toFixed(2)),
          transactionsPerSecond: Math.round(result.sent / seconds),
          megabytesPerSecond: Number((result.bytes / 1e6 / seconds).toFixed(1)),
          averageMessageBytes: result.sent > 0 ? Math.round(result.bytes / result.sent) : 0,
          peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
        };
        logger.info(summary, 'Simulation finished');
        if (!options.dryRun) {
          print(
            `Sent ${result.sent.toLocaleString('en-US')} transactions to ${topic} in ${seconds.toFixed(1)} s ` +
              `(${summary.transactionsPerSecond.toLocaleString('en-US')} transactions/s, ${summary.megabytesPerSecond} MB/s); ` +
              `${result.failed.toLocaleString('en-US')} failed` +
              (result.retried > 0 ? ` (${result.retried.toLocaleString('en-US')} requests retried)` : '') +
              `. Seed ${seed}.`,
          );
        }
        if (result.stock) {
          const { events, lost, lostUnits } = result.stock;
          const failed = inventorySink?.stats.failed ?? 0;
          const where = inventoryTopic
            ? `to ${inventoryTopic}${failed > 0 ? ` (${failed.toLocaleString('en-US')} failed)` : ''}`
            : options.inventoryOut !== undefined
              ? `written to ${options.inventoryOut}`
              : 'dropped (--inventory-out FILE keeps them)';
          logger.info({ inventoryMessages: events, inventoryFailed: failed, lostUnits, lostPairs: lost.length }, 'Stock');
          // With --dry-run stdout holds the messages alone: the summary goes to stderr.
          const line =
            `Stock: ${events.toLocaleString('en-US')} inventory messages ${where}; ` +
            `${Number(lostUnits).toLocaleString('en-US', { maximumFractionDigits: 3 })} units lost to empty shelves ` +
            `(${lost.length.toLocaleString('en-US')} store and product pairs ran out).`;
          if (options.dryRun) process.stderr.write(`${line}\n`);
          else print(line);
          if (failed > 0) process.exitCode = 1;
        }
        if (result.failed > 0) process.exitCode = 1;
      } finally {
        readiness = { ready: false, reason: 'finished' };
        inventoryFile?.destroy();
        await endpoint?.close();
      }
    },
  );
}

/** A file to write to, opened (a path that cannot be written fails here, naming it). */
async function openOutput(path: string): Promise<WriteStream> {
  const stream = createWriteStream(path);
  try {
    await once(stream, 'open');
  } catch (error) {
    throw new ConfigError(
      `Cannot write ${path}: ${(error as Error).message}`,
      'Give --inventory-out a file in a folder that exists.',
    );
  }
  return stream;
}

/** Ends the file and waits until what was written is in it. */
async function closeOutput(stream: WriteStream): Promise<void> {
  stream.end();
  await finished(stream);
}
