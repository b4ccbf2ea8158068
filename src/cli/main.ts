import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { errorMessage, UserError } from '../plumbing/errors.ts';
import { registerConsumeCommand } from './consume.ts';
import { registerDashboardCommand } from './dashboard.ts';
import { registerDbCommands } from './db.ts';
import { registerDeadLettersCommands } from './dead-letters.ts';
import { registerKafkaCommands } from './kafka.ts';
import { registerReportCommand } from './report.ts';
import { registerSimulateCommand } from './simulate.ts';
import { registerStartCommand } from './start.ts';

export function buildProgram(): Command {
  const program = new Command('pos')
    .description('Simulated point-of-sale transactions through Apache Kafka into a PostgreSQL star schema.')
    .version(packageVersion(), '--version', 'the version of pos-pipeline')
    .option('--log-level <level>', 'silent, fatal, error, warn, info, debug or trace (default: LOG_LEVEL or info)')
    .option(
      '--kafka-config <file>',
      'a Kafka client properties file: bootstrap.servers, security.protocol, sasl.*, ssl.* (default: KAFKA_CONFIG)',
    )
    .showHelpAfterError('(add --help for usage)')
    .exitOverride();
  registerStartCommand(program);
  registerKafkaCommands(program);
  registerSimulateCommand(program);
  registerConsumeCommand(program);
  registerDbCommands(program);
  registerDeadLettersCommands(program);
  registerReportCommand(program);
  registerDashboardCommand(program);
  for (const command of program.commands) command.showHelpAfterError('(add --help for usage)').exitOverride();
  return program;
}

/** Runs the CLI and returns the exit code; errors end here, printed for people, not as stack traces. */
export async function main(argv: string[] = process.argv): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has printed the problem (or the help or version) already.
      return error.exitCode === 0 ? 0 : 2;
    }
    if (error instanceof UserError) {
      process.stderr.write(`pos: ${error.message}\n${error.hint ? `${error.hint}\n` : ''}`);
      return error.exitCode;
    }
    process.stderr.write(`pos: unexpected error: ${errorMessage(error)}\n${(error as Error)?.stack ?? ''}\n`);
    return 1;
  }
}

/** The package's version, from its package.json (two folders up from src/cli and dist/cli alike). */
function packageVersion(): string {
  return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}
