import { type Command, InvalidArgumentError } from 'commander';
import { SCHEMA_VERSIONS, type SchemaVersion } from '../contract/message.ts';
import { DEFAULT_BATCH_SIZE } from '../ingest/batch-size.ts';
import { CONSUME_RULES } from '../ingest/options.ts';
import { ConfigError } from '../plumbing/errors.ts';
import { commandContext, type GlobalOptions, interruptSignal, print } from './context.ts';
import * as flags from './flags.ts';
import { addMetricsOptions, type MetricsFlags, startMetricsEndpoint } from './metrics.ts';

interface ConsumeFlags extends MetricsFlags {
  group: string;
  topic?: string;
  fromBeginning?: boolean;
  fromLatest?: boolean;
  untilIdle?: number;
  batchSize: number;
  batchBytes?: number;
  members: number;
  instanceId?: string;
  contract?: SchemaVersion[];
  inventoryTopic?: string;
  inventory: boolean;
}

export function registerConsumeCommand(program: Command): void {
  const command = program
    .command('consume')
    .description('ingest the topic into the PostgreSQL star schema, exactly once, dead-lettering what it cannot accept')
    .option('--group <name>', 'consumer group', flags.text(CONSUME_RULES.group), 'pos-warehouse')
    .option('--topic <name>', 'topic to read (default: POS_TOPIC or PointOfSale)', flags.topic)
    .option(
      '--inventory-topic <name>',
      'the inventory topic (deliveries, counts), read by the group GROUP.inventory (default: POS_INVENTORY_TOPIC or TOPIC.Inventory)',
      flags.topic,
    )
    .option('--no-inventory', 'read the sales topic only')
    .option('--from-beginning', 'a partition the group has no offset for starts at its beginning (the default)')
    .option('--from-latest', 'a partition the group has no offset for starts at its end: only what arrives from now on')
    .option(
      '--until-idle <time>',
      'exit 0 once no message has come for this long (5s, 1m) and the group has ingested the whole topic',
      flags.duration,
    )
    .option(
      '--batch-size <n>',
      'messages per database transaction, at most',
      flags.integer(CONSUME_RULES.batchSize),
      DEFAULT_BATCH_SIZE,
    )
    .option(
      '--batch-bytes <n>',
      'bytes of messages per database transaction, at most (default: a 128th of the heap, 4 to 16 MiB)',
      flags.integer(CONSUME_RULES.batchBytes),
    )
    .option(
      '--members <n>',
      'consumer-group members in this process, writing in parallel (each its own partitions and transactions)',
      flags.integer(CONSUME_RULES.members),
      1,
    )
    .option(
      '--instance-id <id>',
      'static group membership (group.instance.id): one id per process, the same at each restart, so that a restarted ' +
        'member gets its partitions back at once; with --members N, member i is ID-i',
      flags.text(CONSUME_RULES.instanceId),
    )
    .option(
      '--contract <versions>',
      `message contract versions to accept, such as 1 or 1,2 (default: all this build reads, ${SCHEMA_VERSIONS.join(', ')}); ` +
        'a message of another becomes an unknown_version dead letter, to replay once its version is accepted',
      contractVersions,
    );
  addMetricsOptions(command, 'serve /metrics, /healthz and /readyz on this port (default: off)').action(
    async (options: ConsumeFlags, command: Command) => {
      const { config, logger } = commandContext(command.optsWithGlobals<GlobalOptions>());
      const { kafkaConnection } = await import('../broker/lifecycle.ts');
      const { connectToKafka } = await import('../kafka/admin.ts');
      const { openWarehouse } = await import('../warehouse/database.ts');
      const { migrateWarehouse } = await import('../warehouse/migrate.ts');
      const { consume, defaultInventoryTopic } = await import('../ingest/consumer.ts');
      const { ConsumerStatus } = await import('../ingest/status.ts');
      const { consumerMetrics } = await import('../ingest/metrics.ts');

      const kafka = kafkaConnection(config);
      const topic = options.topic ?? config.topic;
      const status = new ConsumerStatus();
      // Registered before the endpoint serves them: the first scrape has every series, at zero.
      consumerMetrics();
      const endpoint = await startMetricsEndpoint(options, config, logger, () => status.readiness());
      try {
        await connectToKafka(kafka, config.kafka.external);
        // One connection besides the members' and the outbox's, for the readiness probe.
        const warehouse = await openWarehouse(config.database, {
          logger,
          applicationName: 'pos-consumer',
          // The inventory member's too.
          maxConnections: options.members + 4,
        });
        try {
          const migration = await migrateWarehouse(warehouse);
          if (migration.applied.length > 0) logger.info({ applied: migration.applied }, 'Migrated the warehouse');
          logger.info(
            {
              database: warehouse.description,
              brokers: kafka.brokers,
              topic,
              group: options.group,
              instanceId: options.instanceId,
            },
            'Consuming',
          );
          if (options.fromBeginning && options.fromLatest) {
            throw new ConfigError(
              '--from-beginning and --from-latest contradict each other',
              'Give one of them, or neither (the beginning).',
            );
          }
          const totals = await consume({
            kafka,
            topic,
            group: options.group,
            startAt: options.fromLatest ? 'latest' : 'earliest',
            warehouse,
            logger,
            signal: interruptSignal(logger),
            batchSize: options.batchSize,
            members: options.members,
            ...(options.instanceId === undefined ? {} : { instanceId: options.instanceId }),
            ...(options.batchBytes === undefined ? {} : { batchBytes: options.batchBytes }),
            ...(options.untilIdle === undefined ? {} : { untilIdleMs: options.untilIdle }),
            ...(options.contract === undefined ? {} : { contractVersions: options.contract }),
            inventoryTopic: options.inventory
              ? (options.inventoryTopic ?? config.inventoryTopic ?? defaultInventoryTopic(topic))
              : false,
            status,
          });
          const codes = Object.entries(totals.deadLettersByCode).map(([code, count]) => `${code} ${count}`);
          const skipped =
            totals.alreadyIngested > 0
              ? `, ${totals.alreadyIngested.toLocaleString('en-US')} already ingested (redelivered)`
              : '';
          print(
            `Read ${totals.messages.toLocaleString('en-US')} messages: ${totals.landed.toLocaleString('en-US')} transactions landed ` +
              `(${totals.lines.toLocaleString('en-US')} lines), ${totals.duplicates.toLocaleString('en-US')} duplicates${skipped}, ` +
              `${totals.deadLetters.toLocaleString('en-US')} dead letters${codes.length ? ` (${codes.join(', ')})` : ''}.`,
          );
          if (totals.gaps > 0) {
            print(
              `${totals.gaps.toLocaleString('en-US')} gaps: ${totals.missing.toLocaleString('en-US')} messages were deleted from the topic ` +
                'before this group read them (see pos.ingest_gap).',
            );
          }
          if (totals.topicRecreations > 0) print(`The topic was deleted and recreated; the new one was read from its beginning.`);
          const { inventory } = totals;
          if (inventory) {
            print(
              `Inventory: read ${inventory.messages.toLocaleString('en-US')} messages: ${inventory.landed.toLocaleString('en-US')} events landed ` +
                `(${inventory.lines.toLocaleString('en-US')} movements), ${inventory.duplicates.toLocaleString('en-US')} duplicates, ` +
                `${inventory.deadLetters.toLocaleString('en-US')} dead letters.`,
            );
          }
        } finally {
          await warehouse.close();
        }
      } finally {
        await endpoint?.close();
      }
    },
  );
}

/** `--contract 1,2`: the versions, each one this build reads, once. */
function contractVersions(value: string): SchemaVersion[] {
  const versions = value.split(',').map((part) => Number(part.trim()));
  if (!CONSUME_RULES.contractVersions.accepts(versions)) {
    throw new InvalidArgumentError(`expected ${CONSUME_RULES.contractVersions.expected}, separated by commas, not "${value}".`);
  }
  return versions;
}
