import type { Command } from 'commander';
import { UserError } from '../errors.ts';
import type { MigrationResult } from '../warehouse/migrate.ts';
import { commandContext, type GlobalOptions, print } from './context.ts';

export function registerDbCommands(program: Command): void {
  const db = program.command('db').description('the PostgreSQL warehouse: migrations');

  db.command('migrate')
    .description('apply the schema migrations that the database has not had yet')
    .action(async (_options: unknown, command: Command) => {
      const { config, logger } = commandContext(command.optsWithGlobals<GlobalOptions>());
      const { openWarehouse } = await import('../warehouse/database.ts');
      const { migrateWarehouse } = await import('../warehouse/migrate.ts');
      const warehouse = await openWarehouse(config.database, { logger });
      try {
        printMigration(warehouse.description, await migrateWarehouse(warehouse));
      } finally {
        await warehouse.close();
      }
    });

  db.command('reset')
    .description('drop the schema "pos" with all its data and create it again')
    .option('--yes', 'confirm that the data may be dropped')
    .action(async (options: { yes?: boolean }, command: Command) => {
      const { config, logger } = commandContext(command.optsWithGlobals<GlobalOptions>());
      if (!options.yes) {
        throw new UserError('pos db reset drops the schema "pos" and all the data in it; nothing was changed.', {
          hint: 'Run `pos db reset --yes` to confirm.',
          exitCode: 2,
        });
      }
      const { openWarehouse } = await import('../warehouse/database.ts');
      const { resetWarehouse } = await import('../warehouse/migrate.ts');
      const warehouse = await openWarehouse(config.database, { logger });
      try {
        const result = await resetWarehouse(warehouse);
        print(`Dropped the schema "pos" in ${warehouse.description}.`);
        printMigration(warehouse.description, result);
      } finally {
        await warehouse.close();
      }
    });
}

function printMigration(database: string, result: MigrationResult): void {
  if (result.applied.length === 0) {
    print(`${database}: up to date (${result.total} migration${result.total === 1 ? '' : 's'}).`);
  } else {
    print(
      `${database}: applied ${result.applied.length} migration${result.applied.length === 1 ? '' : 's'}: ${result.applied.join(', ')}.`,
    );
  }
}
