import { InvalidArgumentError } from 'commander';
import { type Config, loadConfig, parsePort } from '../config.ts';
import type { ConfigError } from '../errors.ts';
import { createLogger, type Logger } from '../logger.ts';

export interface CommandContext {
  config: Config;
  logger: Logger;
}

/** Global options every command accepts. */
export interface GlobalOptions {
  logLevel?: string;
}

/** Loads the config (environment over .env) and the logger, once a command has parsed its flags. */
export function commandContext(globals: GlobalOptions): CommandContext {
  const config = loadConfig({ env: { ...process.env, ...(globals.logLevel ? { LOG_LEVEL: globals.logLevel } : {}) } });
  return { config, logger: createLogger({ level: config.logLevel, format: config.logFormat }) };
}

/** Writes command output (not logs) to stdout. */
export function print(text = ''): void {
  process.stdout.write(`${text}\n`);
}

/** Flag parsers: a bad value fails with commander's usage error, naming the flag and what it takes. */
export function portFlag(value: string): number {
  try {
    return parsePort(value, 'the port');
  } catch (error) {
    throw new InvalidArgumentError((error as ConfigError).message);
  }
}
