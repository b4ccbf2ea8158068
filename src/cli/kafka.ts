import type { Command } from 'commander';
import { DEFAULT_KAFKA_PORT } from '../plumbing/config.ts';
import { commandContext, type GlobalOptions, print } from './context.ts';
import * as flags from './flags.ts';

// Command modules import their implementation when they run, so that `pos --help` starts fast.
export function registerKafkaCommands(program: Command): void {
  const kafka = program
    .command('kafka')
    .description('the local Apache Kafka broker (KRaft, a single node), or a replicated local cluster of three');

  kafka
    .command('up')
    .description(
      'start the local broker (or reuse the running one) and create the topics; with KAFKA_BROKERS, check that cluster',
    )
    .option(
      '--port <port>',
      `port of the broker, or of the cluster's first node (P, P+1, P+2) (default: the running one's, else ${DEFAULT_KAFKA_PORT})`,
      flags.port,
    )
    .option(
      '--brokers <n>',
      '1: a single broker (the default); 3: a replicated cluster (3 KRaft nodes, topics replicated 3 times, 2 in sync required); ' +
        'starts the nodes of a running cluster that are down',
      flags.oneOf(['1', '3']),
    )
    .option(
      '--secure',
      'a single broker with SASL_SSL (SCRAM-SHA-512) for clients, TLS certificates made once, ACLs on, and user pos; ' +
        'writes client.properties for it into the data directory',
    )
    .action(async (options: { port?: number; brokers?: string; secure?: boolean }, command: Command) => {
      const { config, logger } = commandContext(command.optsWithGlobals<GlobalOptions>());
      const { kafkaUp } = await import('../broker/lifecycle.ts');
      const result = await kafkaUp(config, {
        ...(options.port ? { port: options.port } : {}),
        ...(options.brokers ? { brokers: Number(options.brokers) } : {}),
        ...(options.secure ? { secure: true } : {}),
        logger,
      });
      const some = result.startedNodes.length > 0 && result.startedNodes.length < result.brokers.length;
      const how = result.external
        ? 'answers (KAFKA_BROKERS)'
        : some
          ? `started node ${result.startedNodes.join(', ')}`
          : result.started
            ? 'started'
            : 'already running';
      print(`Kafka at ${result.brokers.join(',')}: ${how}`);
      if (result.createdTopics.length > 0) print(`Created topics: ${result.createdTopics.join(', ')}`);
      if (result.clientConfigs) {
        print(`Secure: SASL_SSL with SCRAM-SHA-512 for user pos; its config (password inside, mode 0600):`);
        print(`  pos --kafka-config ${result.clientConfigs.clientProperties} simulate …   (or KAFKA_CONFIG=…)`);
        print(`Mutual TLS with the client certificate of pos: --kafka-config ${result.clientConfigs.mtlsProperties}`);
      }
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
    .description('stop the local broker (or every node of the local cluster) and free its ports')
    .action(async (_options: unknown, command: Command) => {
      const { config, logger } = commandContext(command.optsWithGlobals<GlobalOptions>());
      const { kafkaDown } = await import('../broker/lifecycle.ts');
      const result = await kafkaDown(config, { logger });
      if (result.external) print('KAFKA_BROKERS names a cluster pos did not start: nothing to stop.');
      else if (result.nodes > 1) print(`Local Kafka cluster stopped (${result.nodes} nodes).`);
      else print(result.stopped ? 'Local Kafka broker stopped.' : 'Local Kafka broker was not running.');
    });

  kafka
    .command('status')
    .description(
      "show the broker address, version, state and topics; for a cluster each node and each partition's leader and " +
        'in-sync replicas (exit code 3 when it does not answer)',
    )
    .action(async (_options: unknown, command: Command) => {
      const { config } = commandContext(command.optsWithGlobals<GlobalOptions>());
      const { kafkaStatus } = await import('../broker/lifecycle.ts');
      const status = await kafkaStatus(config);
      const kind = status.external
        ? 'external cluster (KAFKA_BROKERS or bootstrap.servers)'
        : status.nodes.length > 0
          ? `local cluster of ${status.nodes.length}`
          : 'local broker';
      const details = [kind, status.version && `Apache Kafka ${status.version}`, status.pid && `pid ${status.pid}`];
      print(`Kafka:   ${status.brokers.join(',')} (${details.filter(Boolean).join(', ')})`);
      print(`Access:  ${status.security}`);
      print(`State:   ${status.running ? 'running' : `not running${status.error ? ` (${status.error})` : ''}`}`);
      for (const node of status.nodes) {
        print(`  node ${node.nodeId}  ${node.address}  ${node.running ? `running, pid ${node.pid}` : 'not running'}`);
      }
      if (!status.running) {
        process.exitCode = 3;
        return;
      }
      print(`Topics:${status.topics.length === 0 ? '  none' : ''}`);
      const width = Math.max(0, ...status.topics.map((topic) => topic.name.length));
      for (const topic of status.topics) {
        const replication = Math.max(0, ...topic.partitionStates.map((state) => state.replicas.length));
        const behind = topic.partitionStates.filter((state) => state.isr.length < state.replicas.length).length;
        print(
          `  ${topic.name.padEnd(width)}  ${topic.partitions} partition${topic.partitions === 1 ? '' : 's'}, replication ${replication}` +
            (behind > 0 ? `, ${behind} under-replicated` : replication > 1 ? ', all in sync' : ''),
        );
        // Replicated: where each partition is led and which replicas are in sync.
        if (replication < 2) continue;
        for (const state of topic.partitionStates) {
          const leader = state.leader >= 0 ? `node ${state.leader}` : 'none';
          const behind = state.isr.length < state.replicas.length ? '  under-replicated' : '';
          print(
            `    partition ${String(state.partition).padStart(2)}  leader ${leader}  replicas ${state.replicas.join(',')}  in sync ${state.isr.join(',')}${behind}`,
          );
        }
      }
    });
}
