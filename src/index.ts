/**
 * The public API of pos-pipeline: what a program may import (`import { consume } from 'pos-pipeline'`).
 * Everything else is internal and may change. The `pos` CLI is a thin shell over these functions.
 */

// The local broker, and the whole pipeline in one call
export { kafkaDown, kafkaStatus, kafkaUp } from './broker/lifecycle.ts';
// The message contract
export type { TransactionMessage } from './contract/message.ts';
export { type DeadLetterCode, decodeTransaction, validateTransaction } from './contract/validate.ts';
// Ingest: the consumer, and the same write path without Kafka
export { type ConsumeOptions, consume, type IngestTotals } from './ingest/consumer.ts';
export { type BatchResult, writeTransactions } from './ingest/write.ts';
// Configuration and logging
export { type Config, loadConfig } from './plumbing/config.ts';
export { ConfigError, UserError } from './plumbing/errors.ts';
export { createLogger, type Logger } from './plumbing/logger.ts';
export { findReport, runReport } from './reports/reports.ts';
// The simulator
export { type SimulationOptions, type SimulationResult, simulate } from './simulator/run.ts';
export { start } from './start/start.ts';
export { backupWarehouse, restoreWarehouse } from './warehouse/backup.ts';
// The warehouse
export { openWarehouse, type Warehouse } from './warehouse/database.ts';
export { migrateWarehouse, resetWarehouse } from './warehouse/migrate.ts';
