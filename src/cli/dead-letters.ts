import type { Command } from 'commander';
import { ConfigError, UserError } from '../plumbing/errors.ts';
import type { Warehouse } from '../warehouse/database.ts';
import { type CommandContext, commandContext, type GlobalOptions, print } from './context.ts';
import * as flags from './flags.ts';

interface ListFlags {
  code?: string;
  since?: Date;
  limit: number;
  format: 'table' | 'json';
}

interface ReplayFlags {
  code?: string;
  id?: string[];
}

interface PurgeFlags {
  before?: Date;
  yes?: boolean;
}

/** Examples of letters that did not land, printed after a replay's summary. */
const REPLAY_EXAMPLES = 20;

export function registerDeadLettersCommands(program: Command): void {
  const deadLetters = program
    .command('dead-letters')
    .description('the messages the consumer did not accept (pos.dead_letter): list, show, replay, purge');

  deadLetters
    .command('list')
    .description('list dead letters, oldest first')
    .option('--code <code>', 'only this error code (too_large, invalid_json, schema, arithmetic, conflict, …)')
    .option('--since <time>', 'only those created at or after this date (YYYY-MM-DD, UTC) or time', flags.instant)
    .option('--limit <n>', 'at most this many', flags.integer(1, 1_000_000), 1000)
    .option('--format <format>', 'table or json', flags.oneOf(['table', 'json'] as const), 'table')
    .action(async (options: ListFlags, command: Command) => {
      const { listDeadLetters } = await import('../warehouse/sql/list-dead-letters.ts');
      const { deadLetterRows } = await import('./dead-letter-views.ts');
      const { formatReport } = await import('../reports/format.ts');
      await withWarehouse(commandContext(command.optsWithGlobals<GlobalOptions>()), async (warehouse, { logger }) => {
        const { letters, total } = await listDeadLetters(warehouse, {
          code: options.code,
          since: options.since,
          limit: options.limit,
        });
        process.stdout.write(formatReport(deadLetterRows(letters, options.format), options.format));
        if (total > letters.length) {
          logger.warn(
            { shown: letters.length, total },
            'More dead letters match than are shown: narrow with --code or --since, or raise --limit',
          );
        }
      });
    });

  deadLetters
    .command('show')
    .description('one dead letter: its error, where it came from, and its raw value (as text when UTF-8, else hex)')
    .argument('<id>', 'its id (pos dead-letters list shows them)', flags.rowId)
    .action(async (id: string, _options: unknown, command: Command) => {
      const { deadLetterById } = await import('../warehouse/sql/list-dead-letters.ts');
      const { describeDeadLetter } = await import('./dead-letter-views.ts');
      await withWarehouse(commandContext(command.optsWithGlobals<GlobalOptions>()), async (warehouse) => {
        const letter = await deadLetterById(warehouse, id);
        if (!letter) {
          throw new UserError(`There is no dead letter ${id} in ${warehouse.description}.`, {
            hint: '`pos dead-letters list` shows their ids.',
          });
        }
        process.stdout.write(describeDeadLetter(letter));
      });
    });

  deadLetters
    .command('replay')
    .description(
      'validate dead letters again with this version of pos and write those that now pass, exactly once (letters a replay landed are left alone)',
    )
    .option('--code <code>', 'the letters with this error code')
    .option('--id <ids...>', 'these letters', (value: string, previous: string[] = []) => [...previous, flags.rowId(value)])
    .action(async (options: ReplayFlags, command: Command) => {
      if (options.code !== undefined && options.id !== undefined) {
        throw new ConfigError('Give --code or --id, not both.', 'Run `pos dead-letters replay --help`.');
      }
      const { replayDeadLetters } = await import('../ingest/replay.ts');
      const context = commandContext(command.optsWithGlobals<GlobalOptions>());
      const { defaultInventoryTopic } = await import('../ingest/consumer.ts');
      await withWarehouse(context, async (warehouse) => {
        const result = await replayDeadLetters(warehouse, {
          inventoryTopic: context.config.inventoryTopic ?? defaultInventoryTopic(context.config.topic),
          ...(options.code !== undefined ? { code: options.code } : {}),
          ...(options.id !== undefined ? { ids: options.id } : {}),
        });
        const counts = Object.entries(result.outcomes)
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([outcome, count]) => `${count.toLocaleString('en-US')} ${outcome}`);
        print(
          `Replayed ${result.letters.length.toLocaleString('en-US')} dead letter${result.letters.length === 1 ? '' : 's'}${counts.length > 0 ? `: ${counts.join(', ')}` : ''}.`,
        );
        const unlanded = result.letters.filter((letter) => letter.outcome !== 'landed' && letter.outcome !== 'duplicate');
        for (const letter of unlanded.slice(0, REPLAY_EXAMPLES))
          print(`  ${letter.id}  ${letter.outcome}  ${letter.detail ?? ''}`);
        if (unlanded.length > REPLAY_EXAMPLES) print(`  … and ${unlanded.length - REPLAY_EXAMPLES} more (pos dead-letters list)`);
        if (result.alreadySettled.length > 0) {
          print(`Left alone, a replay had landed them already: ${result.alreadySettled.join(', ')}.`);
        }
        if (result.notFound.length > 0) {
          throw new UserError(`There is no dead letter ${result.notFound.join(', ')} in ${warehouse.description}.`, {
            hint: '`pos dead-letters list` shows their ids.',
          });
        }
      });
    });

  deadLetters
    .command('purge')
    .description('delete the dead letters created before a date (the DLQ topic keeps its copies)')
    .option('--before <time>', 'delete those created before this date (YYYY-MM-DD, UTC) or time', flags.instant)
    .option('--yes', 'confirm the deletion')
    .action(async (options: PurgeFlags, command: Command) => {
      const before = options.before;
      if (!before)
        throw new ConfigError('pos dead-letters purge needs --before DATE.', 'e.g. `pos dead-letters purge --before 2026-01-01`');
      const { countDeadLettersBefore, purgeDeadLettersBefore } = await import('../warehouse/sql/purge-dead-letters.ts');
      await withWarehouse(commandContext(command.optsWithGlobals<GlobalOptions>()), async (warehouse) => {
        if (!options.yes) {
          const count = await countDeadLettersBefore(warehouse, before);
          const range =
            count.oldest && count.newest ? `, created ${count.oldest.toISOString()} to ${count.newest.toISOString()}` : '';
          const unpublished =
            count.unpublished > 0 ? `; ${count.unpublished.toLocaleString('en-US')} of them not yet in their DLQ topic` : '';
          throw new UserError(
            `pos dead-letters purge would delete ${count.letters.toLocaleString('en-US')} dead letter${count.letters === 1 ? '' : 's'} created before ${before.toISOString()}${range}${unpublished}; nothing was changed.`,
            { hint: `Run \`pos dead-letters purge --before ${before.toISOString()} --yes\` to delete them.`, exitCode: 2 },
          );
        }
        const deleted = await purgeDeadLettersBefore(warehouse, before);
        print(
          `Deleted ${deleted.toLocaleString('en-US')} dead letter${deleted === 1 ? '' : 's'} created before ${before.toISOString()}.`,
        );
      });
    });
}

/** Opens the warehouse (migrated), runs `work`, and closes it. */
async function withWarehouse(context: CommandContext, work: (warehouse: Warehouse, context: CommandContext) => Promise<void>) {
  const { openWarehouse } = await import('../warehouse/database.ts');
  const { migrateWarehouse } = await import('../warehouse/migrate.ts');
  const warehouse = await openWarehouse(context.config.database, { logger: context.logger });
  try {
    await migrateWarehouse(warehouse);
    await work(warehouse, context);
  } finally {
    await warehouse.close();
  }
}
