/**
 * The public API of pos-pipeline: what a program may import (`import { consume } from 'pos-pipeline'`).
 * Everything else is internal and may change. The `pos` CLI is a thin shell over these functions.
 * Importing it does nothing else: the JSON Schema is compiled at the first validation, and the
 * metrics are registered when a consumer or a simulation starts. consume, simulate, start and
 * writeTransactions check their options up front: a wrong one is a ConfigError that names it and
 * says what it may be. The types that each function's options and results mention are exported too.
 */

// The local broker (or an external cluster's status)
export {
  type KafkaNodeStatus,
  type KafkaStatus,
  type KafkaUpOptions,
  type KafkaUpResult,
  kafkaDown,
  kafkaStatus,
  kafkaUp,
} from './broker/lifecycle.ts';
// The simulated chain, and the message contract
export type { CatalogSizes } from './catalog/catalog.ts';
export type {
  AnyTransactionMessage,
  LineItemV2,
  SchemaVersion,
  TaxComponent,
  TaxTotal,
  TransactionMessage,
  TransactionMessageV2,
} from './contract/message.ts';
export { type DeadLetterCode, decodeTransaction, type Verdict, validateTransaction } from './contract/validate.ts';
// pos start's live views (what StartOptions takes)
export type { LiveFeed } from './dashboard/feed.ts';
export type { DashboardState, TerminalView } from './dashboard/terminal.ts';
// Ingest: the consumer, its status (for a readiness probe), and the same write path without Kafka
export type { IngestTotals } from './ingest/acknowledge.ts';
export { type ConsumeOptions, type ConsumeTotals, consume } from './ingest/consumer.ts';
export type { ConsumerState } from './ingest/metrics.ts';
export type { StartPolicy } from './ingest/positions.ts';
export type { SourcePosition } from './ingest/rows.ts';
export { ConsumerStatus } from './ingest/status.ts';
export { type BatchResult, type Rejection, writeTransactions } from './ingest/write.ts';
// Kafka: where and how to connect
export type { TopicInfo } from './kafka/admin.ts';
export type { KafkaConnection, KafkaSecurity, SaslMechanism, SecurityProtocol } from './kafka/security.ts';
export type { Readiness } from './metrics/endpoint.ts';
// Configuration, errors and logging
export {
  type Config,
  type DatabaseConfig,
  type EmbeddedDatabaseConfig,
  type KafkaConfig,
  loadConfig,
  type MetricsConfig,
  type RolePasswords,
  type ServerDatabaseConfig,
} from './plumbing/config.ts';
export type { Environment } from './plumbing/environment.ts';
export { ConfigError, UserError } from './plumbing/errors.ts';
export { createLogger, type Logger, type LoggerOptions } from './plumbing/logger.ts';
// Reports
export { findReport, type ReportDefinition, type ReportFilter, type ReportResult, runReport } from './reports/reports.ts';
// The simulator
export {
  type BackfillMode,
  type RealtimeMode,
  type SimulationOptions,
  type SimulationResult,
  simulate,
} from './simulator/run.ts';
export type { MessageSink, SinkStats } from './simulator/sinks.ts';
// The whole pipeline in one call
export { type StartOptions, type StartSummary, start } from './start/start.ts';
// The warehouse
export { backupWarehouse, type RestoreOptions, restoreWarehouse } from './warehouse/backup.ts';
export type { CopyText } from './warehouse/copy.ts';
export {
  type OpenOptions as OpenWarehouseOptions,
  openWarehouse,
  type SqlRunner,
  type TransactionRunner,
  type Warehouse,
} from './warehouse/database.ts';
export { type MigrationResult, migrateWarehouse, resetWarehouse } from './warehouse/migrate.ts';
export { type PruneOptions, type PruneResult, pruneFacts } from './warehouse/prune.ts';
export { type RebuildResult, rebuildAggregates } from './warehouse/rebuild-aggregates.ts';
export type { DatabaseTls, SslMode } from './warehouse/tls-settings.ts';
