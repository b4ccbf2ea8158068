import type { Command } from 'commander';
import { commandContext, type GlobalOptions, interruptSignal, print } from './context.ts';
import * as flags from './flags.ts';
import { startWebDashboard } from './web.ts';

interface DashboardFlags {
  webPort: number;
  topic?: string;
  group: string;
}

export function registerDashboardCommand(program: Command): void {
  program
    .command('dashboard')
    .description(
      'serve the live web dashboard over the configured warehouse, read-only (with Kafka figures when a broker answers)',
    )
    .option('--web-port <port>', 'serve it on this port of 127.0.0.1 (0: any free port)', flags.listenPort, 8080)
    .option('--topic <name>', 'topic whose figures to show (default: POS_TOPIC or PointOfSale)', flags.topic)
    .option('--group <name>', 'consumer group whose lag to show', 'pos-warehouse')
    .action(async (options: DashboardFlags, command: Command) => {
      const { config, logger } = commandContext(command.optsWithGlobals<GlobalOptions>());
      const { kafkaConnection } = await import('../broker/lifecycle.ts');
      const { openWarehouse } = await import('../warehouse/database.ts');
      const { watchWarehouse } = await import('../dashboard/watch.ts');
      const { requireMigrated } = await import('../warehouse/migrate.ts');
      const signal = interruptSignal(logger);
      const warehouse = await openWarehouse(config.database, { logger, applicationName: 'pos-dashboard' });
      try {
        // Read-only, so it does not migrate: an empty database is said so before the page is served.
        await requireMigrated(warehouse);
        const web = await startWebDashboard('pos dashboard', options.webPort, logger);
        try {
          print(`Dashboard at ${web.url}/ over ${warehouse.description} (Ctrl-C stops)`);
          await watchWarehouse({
            warehouse,
            kafka: kafkaConnection(config),
            topic: options.topic ?? config.topic,
            group: options.group,
            feed: web.feed,
            logger,
            signal,
          });
        } finally {
          await web.close();
        }
      } finally {
        await warehouse.close();
      }
    });
}
