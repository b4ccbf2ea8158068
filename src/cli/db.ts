import type { Command } from 'commander';
import { ConfigError, UserError } from '../plumbing/errors.ts';
import type { MigrationResult } from '../warehouse/migrate.ts';
import { DEFAULT_PRUNE_BATCH } from '../warehouse/prune.ts';
import { commandContext, type GlobalOptions, interruptSignal, print } from './context.ts';
import * as flags from './flags.ts';

export function registerDbCommands(program: Command): void {
  const db = program
    .command('db')
    .description('the warehouse database: migrations, roles, integrity checks, aggregates, retention, backups, restores');

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
      'check the facts against the dimensions and the contract (every key has its row, every line its transaction, lines add up) and the aggregates against the facts; exits 1 on any violation',
    )
    .action(async (_options: unknown, command: Command) => {
      const { config, logger } = commandContext(command.optsWithGlobals<GlobalOptions>());
      const { openWarehouse } = await import('../warehouse/database.ts');
      const { verifyWarehouse, aggregateCheckName } = await import('../warehouse/verify.ts');
      const { AGGREGATES } = await import('../warehouse/aggregates.ts');
      const { requireMigrated } = await import('../warehouse/migrate.ts');
      const warehouse = await openWarehouse(config.database, { logger });
      try {
        await requireMigrated(warehouse);
        const checks = await verifyWarehouse(warehouse);
        const width = Math.max(...checks.map((check) => check.name.length));
        for (const { name, violations } of checks) {
          print(`${violations === 0 ? 'ok  ' : 'FAIL'}  ${name.padEnd(width)}  ${violations.toLocaleString('en-US')}`);
        }
        const failed = checks.filter((check) => check.violations > 0);
        if (failed.length > 0) {
          const aggregateChecks = new Set(AGGREGATES.map((aggregate) => aggregateCheckName(aggregate.table)));
          const aggregatesDiffer = failed.some((check) => aggregateChecks.has(check.name));
          const factsBroken = failed.some((check) => !aggregateChecks.has(check.name));
          const hints = [
            ...(factsBroken
              ? [
                  "The rows counted above break the rule named beside them; find them with the check's query in src/warehouse/verify.ts.",
                ]
              : []),
            ...(aggregatesDiffer
              ? [
                  `\`pos db rebuild-aggregates\` computes the aggregates again from the facts${factsBroken ? ' (once the facts are mended)' : ''}.`,
                ]
              : []),
          ];
          throw new UserError(`${warehouse.description}: ${failed.length} of ${checks.length} integrity checks failed.`, {
            hint: hints.join(' '),
          });
        }
        print(`${warehouse.description}: all ${checks.length} integrity checks passed.`);
      } finally {
        await warehouse.close();
      }
    });

  registerRetention(db);

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

interface PruneFlags {
  before?: string;
  batchSize: number;
  yes?: boolean;
}

/** `pos db rebuild-aggregates` and `pos db prune`: the aggregates, and the facts they outlive. */
function registerRetention(db: Command): void {
  db.command('rebuild-aggregates')
    .description(
      'compute the aggregate tables again from the facts, for the dates the facts still hold (pruned days keep theirs), in one transaction that holds writers back until it commits',
    )
    .action(async (_options: unknown, command: Command) => {
      const { config, logger } = commandContext(command.optsWithGlobals<GlobalOptions>());
      const { openWarehouse } = await import('../warehouse/database.ts');
      const { migrateWarehouse } = await import('../warehouse/migrate.ts');
      const { rebuildAggregates } = await import('../warehouse/rebuild-aggregates.ts');
      const { isoDateOf } = await import('../warehouse/prune.ts');
      const warehouse = await openWarehouse(config.database, { logger });
      try {
        await migrateWarehouse(warehouse);
        const started = performance.now();
        logger.info({ database: warehouse.description }, 'Rebuilding the aggregates; writers wait until it commits');
        const result = await rebuildAggregates(warehouse);
        const width = Math.max(...result.tables.map(({ table }) => table.length));
        for (const { table, rows } of result.tables) print(`${table.padEnd(width)}  ${rows.toLocaleString('en-US')} rows`);
        const dates = result.factsFrom === 0 ? 'every date' : `the dates from ${isoDateOf(result.factsFrom)} on`;
        print(
          `Rebuilt ${result.tables.length} aggregate tables of ${warehouse.description} for ${dates} in ${((performance.now() - started) / 1000).toFixed(1)} s.`,
        );
      } finally {
        await warehouse.close();
      }
    });

  db.command('prune')
    .description(
      "remove the facts (transactions and their lines) of the stores' local dates before a date, keeping the aggregates; a batch at a time, alongside a running consumer, which from then on dead-letters transactions dated before it (code pruned)",
    )
    .option('--before <date>', 'the first local date to keep, YYYY-MM-DD', flags.isoDate)
    .option(
      '--batch-size <n>',
      'transactions (with their lines) removed per database transaction',
      flags.integer(1, 1_000_000),
      DEFAULT_PRUNE_BATCH,
    )
    .option('--yes', 'confirm the deletion')
    .action(async (options: PruneFlags, command: Command) => {
      const before = options.before;
      if (!before) {
        throw new ConfigError(
          'pos db prune needs --before DATE: the first local date whose facts to keep.',
          'e.g. `pos db prune --before 2026-01-01` (it says what it would remove; add --yes to remove it).',
        );
      }
      // No store's local date is later than UTC's tomorrow: a cut beyond it would refuse today's trade.
      const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
      if (before > tomorrow) {
        throw new ConfigError(
          `--before ${before} is in the future: every transaction of today would be a pruned dead letter.`,
          'Give the first local date whose facts to keep, today or earlier.',
        );
      }
      const { config, logger } = commandContext(command.optsWithGlobals<GlobalOptions>());
      const { openWarehouse } = await import('../warehouse/database.ts');
      const { migrateWarehouse } = await import('../warehouse/migrate.ts');
      const { countPrunable, isoDateOf, pruneFacts } = await import('../warehouse/prune.ts');
      const { Progress } = await import('../plumbing/progress.ts');
      const warehouse = await openWarehouse(config.database, { logger });
      try {
        await migrateWarehouse(warehouse);
        const count = await countPrunable(warehouse, before);
        const cut = isoDateOf(count.factsFrom);
        const what = `${count.transactions.toLocaleString('en-US')} transaction${count.transactions === 1 ? '' : 's'} (${count.lines.toLocaleString('en-US')} lines)`;
        const range =
          count.firstDate !== null && count.lastDate !== null
            ? `, dated ${isoDateOf(count.firstDate)} to ${isoDateOf(count.lastDate)}`
            : '';
        const later = cut === before ? '' : ` (an earlier prune cut at ${cut} already: the cut never moves back)`;
        if (!options.yes) {
          throw new UserError(
            `pos db prune would remove ${what}${range} from ${warehouse.description}, the facts before ${cut}${later}, and keep their aggregates; from then on transactions dated before ${cut} are dead letters (code pruned); nothing was changed.`,
            { hint: `Run \`pos db prune --before ${before} --yes\` to remove them.`, exitCode: 2 },
          );
        }
        const started = performance.now();
        logger.info({ database: warehouse.description, before: cut, transactions: count.transactions }, 'Pruning the facts');
        const progress = new Progress({ unit: 'transactions', total: count.transactions, logger, stream: process.stderr });
        const result = await pruneFacts(warehouse, {
          before,
          batchSize: options.batchSize,
          signal: interruptSignal(logger),
          onProgress: ({ transactions, lines }) => progress.update(transactions, { lines }),
        });
        progress.finish();
        // The cut in force as the prune made it (another prune may have moved it since the count).
        const prunedBefore = isoDateOf(result.factsFrom);
        const removed = `${result.transactions.toLocaleString('en-US')} transaction${result.transactions === 1 ? '' : 's'} (${result.lines.toLocaleString('en-US')} lines) in ${result.batches.toLocaleString('en-US')} batch${result.batches === 1 ? '' : 'es'}`;
        const seconds = ((performance.now() - started) / 1000).toFixed(1);
        if (result.stopped) {
          throw new UserError(
            `Stopped after removing ${removed} dated before ${prunedBefore} from ${warehouse.description} (${seconds} s); the rest are still there. Transactions dated before ${prunedBefore} are refused already.`,
            { hint: `Run \`pos db prune --before ${before} --yes\` again to remove the rest.`, exitCode: 130 },
          );
        }
        print(
          `Removed ${removed} dated before ${prunedBefore} from ${warehouse.description} in ${seconds} s${later}. The facts start at ${prunedBefore}; the aggregates keep every date.`,
        );
      } finally {
        await warehouse.close();
      }
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
