import assert from 'node:assert/strict';
import { test } from 'node:test';
import type * as api from '../../src/index.ts';
import type {
  BackfillMode,
  BatchResult,
  CatalogSizes,
  Config,
  ConsumeOptions,
  ConsumerState,
  ConsumerStatus,
  ConsumeTotals,
  CopyText,
  DashboardState,
  DatabaseConfig,
  DatabaseTls,
  DeadLetterCode,
  EmbeddedDatabaseConfig,
  Environment,
  IngestTotals,
  KafkaConfig,
  KafkaConnection,
  KafkaNodeStatus,
  KafkaSecurity,
  KafkaStatus,
  KafkaUpOptions,
  KafkaUpResult,
  LiveFeed,
  Logger,
  LoggerOptions,
  MessageSink,
  MetricsConfig,
  MigrationResult,
  OpenWarehouseOptions,
  Readiness,
  RealtimeMode,
  Rejection,
  ReportDefinition,
  ReportFilter,
  ReportResult,
  RestoreOptions,
  RolePasswords,
  SaslMechanism,
  SecurityProtocol,
  ServerDatabaseConfig,
  SimulationOptions,
  SimulationResult,
  SinkStats,
  SourcePosition,
  SqlRunner,
  SslMode,
  StartOptions,
  StartPolicy,
  StartSummary,
  TerminalView,
  TopicInfo,
  TransactionMessage,
  TransactionMessageV2,
  TransactionRunner,
  Verdict,
  Warehouse,
} from '../../src/index.ts';

/**
 * The types of the public API, used as a program that imports the package would use them. What
 * this file checks, `tsc` checks (`npm test` runs it): a type that stops being exported, or no
 * longer fits what the functions take and give, fails the typecheck.
 */

/** True when A and B are the same type. */
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
/** Compiles only when given true. */
function sameType<_Check extends true>(): void {}

// Each function's parameters and result are types the package exports.
sameType<Same<Parameters<typeof api.consume>[0], ConsumeOptions>>();
sameType<Same<Awaited<ReturnType<typeof api.consume>>, ConsumeTotals>>();
sameType<Same<Parameters<typeof api.writeTransactions>, [Warehouse, readonly unknown[]]>>();
sameType<Same<Awaited<ReturnType<typeof api.writeTransactions>>, BatchResult>>();
sameType<Same<Parameters<typeof api.simulate>[0], SimulationOptions>>();
sameType<Same<Awaited<ReturnType<typeof api.simulate>>, SimulationResult>>();
sameType<Same<Parameters<typeof api.start>[0], StartOptions>>();
sameType<Same<Awaited<ReturnType<typeof api.start>>, StartSummary>>();
sameType<Same<Parameters<typeof api.kafkaUp>, [Config, KafkaUpOptions?]>>();
sameType<Same<Awaited<ReturnType<typeof api.kafkaUp>>, KafkaUpResult>>();
sameType<Same<Awaited<ReturnType<typeof api.kafkaStatus>>, KafkaStatus>>();
sameType<Same<Parameters<typeof api.loadConfig>[0], { env?: Environment; cwd?: string } | undefined>>();
sameType<Same<ReturnType<typeof api.loadConfig>, Config>>();
sameType<Same<Parameters<typeof api.createLogger>[0], LoggerOptions | undefined>>();
sameType<Same<ReturnType<typeof api.createLogger>, Logger>>();
sameType<Same<Parameters<typeof api.openWarehouse>, [DatabaseConfig, OpenWarehouseOptions?]>>();
sameType<Same<Awaited<ReturnType<typeof api.openWarehouse>>, Warehouse>>();
sameType<Same<Awaited<ReturnType<typeof api.migrateWarehouse>>, MigrationResult>>();
sameType<Same<Parameters<typeof api.restoreWarehouse>, [DatabaseConfig, string, RestoreOptions]>>();
sameType<Same<Parameters<typeof api.runReport>, [SqlRunner, ReportDefinition, ReportFilter?]>>();
sameType<Same<Awaited<ReturnType<typeof api.runReport>>, ReportResult>>();
sameType<Same<ReturnType<typeof api.findReport>, ReportDefinition | undefined>>();
sameType<Same<ReturnType<typeof api.validateTransaction>, Verdict>>();
sameType<Same<ReturnType<typeof api.decodeTransaction>, Verdict>>();
sameType<Same<Awaited<ReturnType<ConsumerStatus['readiness']>>, Readiness>>();
sameType<Same<ConsumerStatus['state'], ConsumerState>>();
sameType<Same<NonNullable<StartOptions['view']>, TerminalView>>();
sameType<Same<NonNullable<StartOptions['web']>['feed'], LiveFeed>>();
sameType<Same<StartSummary['salesToday'], DashboardState['salesToday']>>();
sameType<Same<SimulationOptions['sizes'], CatalogSizes>>();
sameType<Same<SimulationOptions['mode'], BackfillMode | RealtimeMode>>();
sameType<Same<SimulationOptions['sink'], MessageSink>>();
sameType<Same<Awaited<ReturnType<MessageSink['close']>>, SinkStats>>();
sameType<Same<NonNullable<ConsumeOptions['startAt']>, StartPolicy>>();
sameType<Same<Rejection['code'], DeadLetterCode>>();
sameType<Same<Rejection['source'], SourcePosition | undefined>>();
sameType<Same<Config['kafka'], KafkaConfig>>();
sameType<Same<Config['metrics'], MetricsConfig>>();
sameType<Same<Config['rolePasswords'], RolePasswords>>();
sameType<Same<DatabaseConfig, ServerDatabaseConfig | EmbeddedDatabaseConfig>>();
sameType<Same<ServerDatabaseConfig['tls'], DatabaseTls>>();
sameType<Same<DatabaseTls['mode'], SslMode>>();
sameType<Same<KafkaStatus['nodes'], KafkaNodeStatus[]>>();
sameType<Same<KafkaStatus['topics'], TopicInfo[]>>();
sameType<Same<Parameters<TransactionRunner['copyFrom']>[1], CopyText>>();
sameType<Same<Parameters<Warehouse['transaction']>[0], (tx: TransactionRunner) => Promise<unknown>>>();

/** A caller's options for consume(), built from the exported types. */
function consumeOptions(warehouse: Warehouse, logger: Logger, status: ConsumerStatus): ConsumeOptions {
  const protocol: SecurityProtocol = 'SASL_SSL';
  const mechanism: SaslMechanism = 'SCRAM-SHA-512';
  const security: KafkaSecurity = { protocol, sasl: { mechanism, username: 'pos', password: 'secret' } };
  const kafka: KafkaConnection = { brokers: ['broker-1:9093'], security };
  const startAt: StartPolicy = 'latest';
  return {
    kafka,
    topic: 'PointOfSale',
    group: 'pos-warehouse',
    startAt,
    warehouse,
    logger,
    status,
    batchSize: 1000,
    onBatch: (totals: IngestTotals) => void totals.landed,
  };
}

/** What a caller reads from writeTransactions(). */
function describeResult(result: BatchResult): string[] {
  return result.rejected.map((rejection: Rejection) => {
    const code: DeadLetterCode = rejection.code;
    const where: SourcePosition | undefined = rejection.source;
    return `${code} ${where ? `${where.topic}/${where.partition}@${where.offset}` : rejection.transactionId}`;
  });
}

/** A sink of the caller's own, for simulate(). */
function memorySink(): MessageSink {
  const stats: SinkStats = { sent: 0, failed: 0, retried: 0, bytes: 0 };
  return {
    stats,
    write: () => {
      stats.sent++;
      return undefined;
    },
    close: async () => stats,
  };
}

function verdictText(verdict: Verdict): string {
  if (verdict.ok) return (verdict.message satisfies TransactionMessage | TransactionMessageV2).transaction_id;
  return verdict.code;
}

test('the exported types describe what the functions take and give (checked by tsc)', () => {
  const status = {} as ConsumerStatus;
  const options = consumeOptions({} as Warehouse, {} as Logger, status);
  assert.equal(options.kafka.security.protocol, 'SASL_SSL');
  assert.deepEqual(
    describeResult({
      landed: 0,
      lines: 0,
      duplicates: 0,
      alreadyIngested: 0,
      rejected: [{ code: 'schema', detail: 'x', source: undefined, transactionId: 'a' }],
    }),
    ['schema a'],
  );
  const sink = memorySink();
  sink.write('S001', Buffer.from('{}'));
  assert.equal(sink.stats.sent, 1);
  const simulation: SimulationOptions = {
    seed: 1,
    sizes: { stores: 1, products: 18, customers: 1 },
    mode: { kind: 'realtime', rate: 1, speed: 1 },
    sink,
  };
  assert.equal(simulation.mode.kind, 'realtime');
  assert.equal(verdictText({ ok: false, code: 'schema', detail: 'x' }), 'schema');
});
