import type { Command } from 'commander';
import { UserError } from '../plumbing/errors.ts';
import type { MigrationResult } from '../warehouse/migrate.ts';
import { commandContext, type GlobalOptions, print } from './context.ts';

export function registerDbCommands(program: Command): void {
  const db = program.command('db').description('the warehouse database: migrations, roles, integrity checks, backups, restores');

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

  registerGrant(db);

  db.command('verify')
    .description(
      'check the facts against the dimensions and the contract: every key has its row, every line its transaction, lines add up; exits 1 on any violation',
    )
    .action(async (_options: unknown, command: Command) => {
      const { config, logger } = commandContext(command.optsWithGlobals<GlobalOptions>());
      const { openWarehouse } = await import('../warehouse/database.ts');
      const { verifyWarehouse } = await import('../warehouse/verify.ts');
      const { requireMigrated } = await import('../warehouse/migrate.ts');
      const warehouse = await openWarehouse(config.database, { logger });
      try {
        await requireMigrated(warehouse);
        const checks = await verifyWarehouse(warehouse);
        const width = Math.max(...checks.map((check) => check.name.length));
        for (const { name, violations } of checks) {
          print(`${violations === 0 ? 'ok  ' : 'FAIL'}  ${name.padEnd(width)}  ${violations.toLocaleString('en-US')}`);
        }
        const failed = checks.filter((check) => check.violations > 0).length;
        if (failed > 0) {
          throw new UserError(`${warehouse.description}: ${failed} of ${checks.length} integrity checks failed.`, {
            hint: "The rows counted above break the rule named beside them; find them with the check's query in src/warehouse/verify.ts.",
          });
        }
        print(`${warehouse.description}: all ${checks.length} integrity checks passed.`);
      } finally {
        await warehouse.close();
      }
    });

  db.command('backup')
    .description(
      'write the warehouse (the schema "pos") to FILE: pg_dump custom format for a server, a PGlite dump for the embedded database',
    )
    .argument('<file>', 'where to write the backup')
    .action(async (file: string, _options: unknown, command: Command) => {
      const { config, logger } = commandContext(command.optsWithGlobals<GlobalOptions>());
      const { backupWarehouse } = await import('../warehouse/backup.ts');
      const { describeDatabase } = await import('../plumbing/config.ts');
      const started = performance.now();
      const { bytes } = await backupWarehouse(config.database, file, logger);
      print(
        `Backed up ${describeDatabase(config.database)} to ${file} (${(bytes / 1e6).toFixed(1)} MB in ${((performance.now() - started) / 1000).toFixed(1)} s).`,
      );
    });

  db.command('restore')
    .description('load a backup made by `pos db backup` into an empty warehouse (--force replaces one that has data)')
    .argument('<file>', 'the backup')
    .option('--force', 'replace the data in the warehouse')
    .action(async (file: string, options: { force?: boolean }, command: Command) => {
      const { config, logger } = commandContext(command.optsWithGlobals<GlobalOptions>());
      const { restoreWarehouse } = await import('../warehouse/backup.ts');
      const { describeDatabase } = await import('../plumbing/config.ts');
      const started = performance.now();
      await restoreWarehouse(config.database, file, { force: options.force ?? false, logger });
      print(
        `Restored ${file} into ${describeDatabase(config.database)} in ${((performance.now() - started) / 1000).toFixed(1)} s.`,
      );
    });
}

interface GrantOptions {
  ingestRole: string;
  readerRole: string;
}

function registerGrant(db: Command): void {
  db.command('grant')
    .description(
      'as the owner of the schema "pos": create or update a login role for `pos consume` (insert, update, no DDL, no delete) and one for reading (select only)',
    )
    .option(
      '--ingest-role <name>',
      'the role `pos consume` logs in as; its password, if any, from POS_INGEST_PASSWORD',
      'pos_ingest',
    )
    .option(
      '--reader-role <name>',
      'the role analysts and `pos report` log in as; its password, if any, from POS_READER_PASSWORD',
      'pos_reader',
    )
    .action(async (options: GrantOptions, command: Command) => {
      const { config, logger } = commandContext(command.optsWithGlobals<GlobalOptions>());
      const { parseRoleName, grantRoles } = await import('../warehouse/roles.ts');
      // Passwords only from the environment or .env (config.ts), never a flag: it would show in `ps` and shell histories.
      const request = {
        ingest: { name: parseRoleName(options.ingestRole, '--ingest-role'), password: config.rolePasswords.ingest },
        reader: { name: parseRoleName(options.readerRole, '--reader-role'), password: config.rolePasswords.reader },
      };
      const { openWarehouse } = await import('../warehouse/database.ts');
      const { migrateWarehouse } = await import('../warehouse/migrate.ts');
      const warehouse = await openWarehouse(config.database, { logger });
      try {
        printMigration(warehouse.description, await migrateWarehouse(warehouse));
        const result = await grantRoles(warehouse, request);
        for (const [role, what] of [
          [
            result.ingest,
            'select, insert, update (where the consumer updates) on schema pos, temporary tables; no DDL, no delete',
          ],
          [result.reader, 'select on schema pos'],
        ] as const) {
          const password = role.passwordSet ? 'password set' : role.created ? 'no password' : 'password unchanged';
          print(`Role ${role.name} (${role.created ? 'created' : 'updated'}, ${password}): ${what}.`);
        }
        print(`Tables that later migrations by "${result.owner}" create get the same privileges.`);
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
