import type { Command } from 'commander';
import { ConfigError } from '../plumbing/errors.ts';
import type { ReportFormat } from '../reports/format.ts';
import { commandContext, type GlobalOptions, print } from './context.ts';
import * as flags from './flags.ts';

interface ReportFlags {
  list?: boolean;
  from?: string;
  to?: string;
  store?: string;
  limit?: number;
  format: ReportFormat;
}

export function registerReportCommand(program: Command): void {
  program
    .command('report')
    .description('print a report from the warehouse (pos report --list names them)')
    .argument('[name]', 'the report')
    .option('--list', 'list the reports')
    .option('--from <date>', 'first local date, YYYY-MM-DD', flags.isoDate)
    .option('--to <date>', 'last local date, YYYY-MM-DD', flags.isoDate)
    .option('--store <id>', 'only this store (its store_id, e.g. S001)')
    .option('--limit <n>', 'at most this many rows', flags.integer(1))
    .option('--format <format>', 'table, csv or json', flags.oneOf(['table', 'csv', 'json'] as const), 'table')
    .action(async (name: string | undefined, options: ReportFlags, command: Command) => {
      const { EVERY_REPORT, findReport, runReport } = await import('../reports/reports.ts');
      if (options.list || name === undefined) {
        const width = Math.max(...EVERY_REPORT.map((report) => report.name.length));
        for (const report of EVERY_REPORT) print(`${report.name.padEnd(width)}  ${report.description}`);
        if (!options.list) process.exitCode = 2;
        return;
      }
      const report = findReport(name);
      if (!report) {
        throw new ConfigError(`There is no report "${name}".`, `Reports: ${EVERY_REPORT.map((entry) => entry.name).join(', ')}.`);
      }
      if (options.from && options.to && options.from > options.to) {
        throw new ConfigError(`--from ${options.from} is after --to ${options.to}.`);
      }
      const { config, logger } = commandContext(command.optsWithGlobals<GlobalOptions>());
      const { openWarehouse } = await import('../warehouse/database.ts');
      const { migrateWarehouse } = await import('../warehouse/migrate.ts');
      const { formatReport } = await import('../reports/format.ts');
      const warehouse = await openWarehouse(config.database, { logger });
      try {
        await migrateWarehouse(warehouse);
        const result = await runReport(warehouse, report, {
          ...(options.from ? { from: options.from } : {}),
          ...(options.to ? { to: options.to } : {}),
          ...(options.store ? { storeId: options.store } : {}),
          ...(options.limit ? { limit: options.limit } : {}),
        });
        process.stdout.write(formatReport(result, options.format));
      } finally {
        await warehouse.close();
      }
    });
}
