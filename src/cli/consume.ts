import type { Command } from 'commander';
import type { DeadLetterCode } from '../contract/validate.ts';
import { DEFAULT_BATCH_SIZE } from '../ingest/batch-size.ts';
import type { IngestTotals } from '../ingest/consumer.ts';
import { commandContext, type GlobalOptions, interruptSignal, print } from './context.ts';
import * as flags from './flags.ts';

interface ConsumeFlags {
  group: string;
  topic?: string;
  fromBeginning?: boolean;
  untilIdle?: number;
  batchSize: number;
  members: number;
}

export function registerConsumeCommand(program: Command): void {
  program
    .command('consume')
    .description('ingest the topic into the PostgreSQL star schema, exactly once, dead-lettering what it cannot accept')
    .option('--group <name>', 'consumer group', 'pos-warehouse')
    .option('--topic <name>', 'topic to read (default: POS_TOPIC or PointOfSale)', flags.topic)
    .option('--from-beginning', 'for a group with no offsets yet: start at the beginning of the topic, not at its end')
    .option('--until-idle <time>', 'exit 0 after this long without a new message (5s, 1m)', flags.duration)
    .option('--batch-size <n>', 'messages per database transaction, at most', flags.integer(1, 20_000), DEFAULT_BATCH_SIZE)
    .option(
      '--members <n>',
      'consumer-group members in this process, writing in parallel (each its own partitions and transactions)',
      flags.integer(1, 64),
      1,
    )
    .action(async (options: ConsumeFlags, command: Command) => {
      const { config, logger } = commandContext(command.optsWithGlobals<GlobalOptions>());
      const { brokersFor } = await import('../broker/lifecycle.ts');
      const { connectToKafka } = await import('../kafka/admin.ts');
      const { openWarehouse } = await import('../warehouse/database.ts');
      const { migrateWarehouse } = await import('../warehouse/migrate.ts');
      const { consume } = await import('../ingest/consumer.ts');

      const brokers = brokersFor(config);
      const topic = options.topic ?? config.topic;
      await connectToKafka(brokers, config.kafka.external);
      const warehouse = await openWarehouse(config.database, {
        logger,
        applicationName: 'pos-consumer',
        maxConnections: options.members + 2,
      });
      try {
        const migration = await migrateWarehouse(warehouse);
        if (migration.applied.length > 0) logger.info({ applied: migration.applied }, 'Migrated the warehouse');
        logger.info({ database: warehouse.description, brokers, topic, group: options.group }, 'Consuming');
        const signal = interruptSignal(logger);
        const members = await Promise.all(
          Array.from({ length: options.members }, (_, member) =>
            consume({
              brokers,
              topic,
              group: options.group,
              fromBeginning: options.fromBeginning ?? false,
              warehouse,
              logger: options.members > 1 ? logger.child({ member }) : logger,
              signal,
              batchSize: options.batchSize,
              ...(options.untilIdle === undefined ? {} : { untilIdleMs: options.untilIdle }),
            }),
          ),
        );
        const totals = sumTotals(members);
        const codes = Object.entries(totals.deadLettersByCode).map(([code, count]) => `${code} ${count}`);
        const skipped =
          totals.alreadyIngested > 0 ? `, ${totals.alreadyIngested.toLocaleString('en-US')} already ingested (redelivered)` : '';
        print(
          `Read ${totals.messages.toLocaleString('en-US')} messages: ${totals.landed.toLocaleString('en-US')} transactions landed ` +
            `(${totals.lines.toLocaleString('en-US')} lines), ${totals.duplicates.toLocaleString('en-US')} duplicates${skipped}, ` +
            `${totals.deadLetters.toLocaleString('en-US')} dead letters${codes.length ? ` (${codes.join(', ')})` : ''}.`,
        );
      } finally {
        await warehouse.close();
      }
    });
}

function sumTotals(members: IngestTotals[]): IngestTotals {
  const [first, ...rest] = members as [IngestTotals, ...IngestTotals[]];
  return rest.reduce((sum, member) => {
    const byCode = { ...sum.deadLettersByCode };
    for (const [code, count] of Object.entries(member.deadLettersByCode)) {
      byCode[code as DeadLetterCode] = (byCode[code as DeadLetterCode] ?? 0) + count;
    }
    return {
      batches: sum.batches + member.batches,
      messages: sum.messages + member.messages,
      landed: sum.landed + member.landed,
      lines: sum.lines + member.lines,
      duplicates: sum.duplicates + member.duplicates,
      alreadyIngested: sum.alreadyIngested + member.alreadyIngested,
      deadLetters: sum.deadLetters + member.deadLetters,
      deadLettersByCode: byCode,
      lag: (sum.lag ?? 0) + (member.lag ?? 0),
      activeMs: Math.max(sum.activeMs, member.activeMs),
    };
  }, first);
}
