import { type Config, loadConfig } from '../plumbing/config.ts';
import { createLogger, type Logger } from '../plumbing/logger.ts';

export interface CommandContext {
  config: Config;
  logger: Logger;
}

/** Global options every command accepts. */
export interface GlobalOptions {
  logLevel?: string;
  /** A Kafka client properties file (KAFKA_CONFIG). */
  kafkaConfig?: string;
}

/** Loads the config (environment over .env) and the logger, once a command has parsed its flags. */
export function commandContext(globals: GlobalOptions): CommandContext {
  const config = loadConfig({
    env: {
      ...process.env,
      ...(globals.logLevel ? { LOG_LEVEL: globals.logLevel } : {}),
      ...(globals.kafkaConfig ? { KAFKA_CONFIG: globals.kafkaConfig } : {}),
    },
  });
  return { config, logger: createLogger({ level: config.logLevel, format: config.logFormat }) };
}

/** Writes command output (not logs) to stdout. */
export function print(text = ''): void {
  process.stdout.write(`${text}\n`);
}

/**
 * An AbortSignal that Ctrl-C (SIGINT) or SIGTERM aborts, so long commands stop cleanly; a second
 * Ctrl-C exits at once.
 */
export function interruptSignal(logger: Logger): AbortSignal {
  const controller = new AbortController();
  const stop = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      process.exit(130);
    }
    logger.info({ signal }, 'Stopping (press Ctrl-C again to exit at once)');
    controller.abort();
  };
  process.on('SIGINT', stop).on('SIGTERM', stop);
  return controller.signal;
}
