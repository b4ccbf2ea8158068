import type { Command } from 'commander';
import { DEFAULT_KAFKA_PORT } from '../config.ts';
import { commandContext, type GlobalOptions, print } from './context.ts';
import * as flags from './flags.ts';

// Command modules import their implementation when they run, so that `pos --help` starts fast.
export function registerKafkaCommands(program: Command): void {
  const kafka = program.command('kafka').description('the local Apache Kafka broker (KRaft, single node)');

  kafka
    .command('up')
    .description(
      'start the local broker (or reuse the running one) and create the topics; with KAFKA_BROKERS, check that cluster',
    )
    .option('--port <port>', `port of the broker (default: the running broker's, else ${DEFAULT_KAFKA_PORT})`, flags.port)
    .action(async (options: { port?: number }, command: Command) => {
      const { config, logger } = commandContext(command.optsWithGlobals<GlobalOptions>());
      const { kafkaUp } = await import('../broker/lifecycle.ts');
      const result = await kafkaUp(config, { ...(options.port ? { port: options.port } : {}), logger });
      const how = result.external ? 'answers (KAFKA_BROKERS)' : result.started ? 'started' : 'already running';
      print(`Kafka at ${result.brokers.join(',')}: ${how}`);
      if (result.createdTopics.length > 0) print(`Created topics: ${result.createdTopics.join(', ')}`);
    });

  kafka
    .command('fetch')
    .description('download the pinned Kafka broker jars into the cache, as the first `up` would (for CI and offline use)')
    .action(async (_options: unknown, command: Command) => {
      const { logger } = commandContext(command.optsWithGlobals<GlobalOptions>());
      const { ensureKafkaDistribution } = await import('../broker/distribution.ts');
      const distribution = await ensureKafkaDistribution({ logger });
      print(`Apache Kafka ${distribution.version} jars: ${distribution.libDir}`);
    });

  kafka
    .command('down')
    .description('stop the local broker and free its port')
    .action(async (_options: unknown, command: Command) => {
      const { config, logger } = commandContext(command.optsWithGlobals<GlobalOptions>());
      const { kafkaDown } = await import('../broker/lifecycle.ts');
      const result = await kafkaDown(config, { logger });
      if (result.external) print('KAFKA_BROKERS names a cluster pos did not start: nothing to stop.');
      else print(result.stopped ? 'Local Kafka broker stopped.' : 'Local Kafka broker was not running.');
    });

  kafka
    .command('status')
    .description('show the broker address, version, state and topics (exit code 3 when it does not answer)')
    .action(async (_options: unknown, command: Command) => {
      const { config } = commandContext(command.optsWithGlobals<GlobalOptions>());
      const { kafkaStatus } = await import('../broker/lifecycle.ts');
      const status = await kafkaStatus(config);
      const kind = status.external ? 'external cluster (KAFKA_BROKERS)' : 'local broker';
      const details = [kind, status.version && `Apache Kafka ${status.version}`, status.pid && `pid ${status.pid}`];
      print(`Kafka:   ${status.brokers.join(',')} (${details.filter(Boolean).join(', ')})`);
      print(`State:   ${status.running ? 'running' : `not running${status.error ? ` (${status.error})` : ''}`}`);
      if (!status.running) {
        process.exitCode = 3;
        return;
      }
      print(`Topics:${status.topics.length === 0 ? '  none' : ''}`);
      const width = Math.max(0, ...status.topics.map((topic) => topic.name.length));
      for (const topic of status.topics) {
        print(`  ${topic.name.padEnd(width)}  ${topic.partitions} partition${topic.partitions === 1 ? '' : 's'}`);
      }
    });
}
