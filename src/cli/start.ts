import { join } from 'node:path';
import type { Command } from 'commander';
import { CHAIN_NAMES, type ChainName } from '../catalog/chains.ts';
import type { SchemaVersion } from '../contract/message.ts';
import { createLogger } from '../plumbing/logger.ts';
import { contractOf } from '../simulator/options.ts';
import { START_RULES } from '../start/options.ts';
import { commandContext, type GlobalOptions, interruptSignal, print } from './context.ts';
import * as flags from './flags.ts';
import { addMetricsOptions, type MetricsFlags, startMetricsEndpoint } from './metrics.ts';
import { startWebDashboard } from './web.ts';

/** Closes what was started before a later step failed, then fails with that step's error. */
const closing =
  (server: { close(): Promise<void> } | undefined) =>
  async (error: unknown): Promise<never> => {
    await server?.close();
    throw error;
  };

interface StartFlags extends MetricsFlags {
  rate: number;
  speed: number;
  duration?: number;
  seed?: number;
  chain: ChainName;
  contract?: SchemaVersion;
  /** Undefined unless --stock or --no-stock: on then. */
  stock?: boolean;
  group: string;
  web: boolean;
  webPort: number;
}

export function registerStartCommand(program: Command): void {
  const command = program
    .command('start')
    .description('the whole pipeline in one command: local broker, warehouse, simulator and consumer, with a live view')
    .option('--rate <per-second>', 'transactions per second across all stores', flags.decimal(START_RULES.rate), 20)
    .option(
      '--speed <factor>',
      'simulated seconds per real second (60: an hour of trading a minute)',
      flags.decimal(START_RULES.speed),
      1,
    )
    .option('--duration <time>', 'stop after this long (30s, 10m); default: until Ctrl-C', flags.duration)
    .option('--seed <n>', 'seed of the simulation (default: random)', flags.integer(START_RULES.seed))
    .option(
      '--chain <name>',
      "the chain: us (US states, USD) or canada (the prototype's grocer: every province, CAD, GST/HST and provincial taxes)",
      flags.oneOf(CHAIN_NAMES),
      'us',
    )
    .option(
      '--contract <version>',
      'message contract version: 1 or 2; default: 1 for us, 2 for canada (which cannot be written in 1)',
      flags.integer(START_RULES.contract),
    )
    .option(
      '--stock',
      'keep stock (the default): sales take what the shelves hold, deliveries and counts go to the inventory topic (POS_INVENTORY_TOPIC or TOPIC.Inventory)',
    )
    .option('--no-stock', 'no stock: every basket sells in full, and there are no inventory messages')
    .option(
      '--web-port <port>',
      'serve the live web dashboard on this port of 127.0.0.1 (0: any free port)',
      flags.listenPort,
      8080,
    )
    .option('--no-web', 'no web dashboard')
    .option('--group <name>', 'the consumer group (one group reads one topic)', flags.text(START_RULES.group), 'pos-warehouse');
  addMetricsOptions(command, 'serve /metrics, /healthz and /readyz on this port (default: a free port, printed)').action(
    async (options: StartFlags, command: Command) => {
      const context = commandContext(command.optsWithGlobals<GlobalOptions>());
      // Refused before anything starts: a broker and a warehouse for a run that cannot be.
      const contract = contractOf(options.chain, options.contract, '--contract');
      const { config } = context;
      const live = Boolean(process.stdout.isTTY);
      // On a terminal the view takes the screen, so the logs go to a file; the view shows the last problem.
      let lastProblem: string | undefined;
      const logFile = join(config.dataDir, 'logs', 'start.log');
      const logger = live
        ? createLogger({
            level: config.logLevel,
            file: logFile,
            onProblem: (message) => {
              lastProblem = message;
            },
          })
        : context.logger;
      const { start } = await import('../start/start.ts');
      const { TerminalView } = await import('../dashboard/terminal.ts');
      const { ConsumerStatus } = await import('../ingest/status.ts');
      const { consumerMetrics } = await import('../ingest/metrics.ts');
      const { producerMetrics, simulatorMetrics } = await import('../simulator/metrics.ts');
      if (live) print(`Starting (the logs go to ${logFile})…`);
      const consumerStatus = new ConsumerStatus();
      // Registered before the endpoint serves them: the first scrape has every series, at zero.
      consumerMetrics();
      producerMetrics();
      simulatorMetrics();
      const endpoint = await startMetricsEndpoint(options, config, logger, () => consumerStatus.readiness(), 0);
      if (endpoint) print(`Metrics at ${endpoint.url}/metrics (health: /healthz, /readyz)`);
      const web = options.web
        ? await startWebDashboard('pos start', options.webPort, logger).catch(closing(endpoint))
        : undefined;
      if (web) print(`Dashboard at ${web.url}/`);
      const summary = await start({
        config,
        logger,
        signal: interruptSignal(logger),
        rate: options.rate,
        speed: options.speed,
        durationMs: options.duration,
        seed: options.seed ?? flags.randomSeed(),
        chain: options.chain,
        contract,
        stock: options.stock ?? true,
        group: options.group,
        view: live ? new TerminalView(process.stdout) : undefined,
        lastProblem: () => lastProblem,
        consumerStatus,
        ...(web ? { web } : {}),
      }).finally(() => Promise.all([endpoint?.close(), web?.close()]));
      const ingest = summary.ingest;
      print('');
      print(
        `Ran ${summary.seconds.toFixed(0)} s: ${summary.produced.toLocaleString('en-US')} transactions produced` +
          `${summary.failed ? ` (${summary.failed.toLocaleString('en-US')} failed)` : ''}, ` +
          `${(ingest?.landed ?? 0).toLocaleString('en-US')} landed in the warehouse (${(ingest?.lines ?? 0).toLocaleString('en-US')} lines), ` +
          `${(ingest?.deadLetters ?? 0).toLocaleString('en-US')} dead letters.`,
      );
      if (summary.stock) {
        const inventory = ingest?.inventory;
        print(
          `Stock: ${summary.stock.events.toLocaleString('en-US')} inventory messages produced, ` +
            `${(inventory?.landed ?? 0).toLocaleString('en-US')} landed; ` +
            `${Number(summary.stock.lostUnits).toLocaleString('en-US', { maximumFractionDigits: 3 })} units lost to empty shelves.`,
        );
      }
      const [best] = summary.salesToday;
      if (best) print(`Best store today: ${best.storeId} ${best.name}, ${best.total} in ${best.transactions} transactions.`);
      if (summary.stoppedBroker) print('The local Kafka broker this run started is stopped.');
      print('Next: npx pos report --list, e.g. npx pos report sales-by-store');
    },
  );
}
