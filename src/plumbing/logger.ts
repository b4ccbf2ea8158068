import pino from 'pino';
import pretty from 'pino-pretty';

export type Logger = pino.Logger;

export interface LoggerOptions {
  level?: string;
  /** `pretty` for people, `json` for machines; default: pretty when stderr is a terminal. */
  format?: 'pretty' | 'json';
  /** Write JSON lines to this file instead of stderr (when the terminal shows something else). */
  file?: string;
  /** Told of every warning and error, with its message. */
  onProblem?: (message: string) => void;
}

/**
 * Where the config puts secrets: a database's `password` and `connectionString` (which may hold
 * one), Kafka's `sasl` (user and password, in KafkaSecurity and the client's options) and the
 * role passwords of `pos db grant`. A `*` in a pino path stands for exactly one level, so each is
 * listed down to `{ config: { kafka: { security: { sasl } } } }`; every level more costs every
 * log line some 20 µs.
 */
const SECRET_KEYS = ['password', 'connectionString', 'sasl.*', 'rolePasswords.*'];
const SECRET_PATHS = SECRET_KEYS.flatMap((key) => [0, 1, 2, 3].map((depth) => `${'*.'.repeat(depth)}${key}`));

/**
 * The one logger. Logs go to stderr so that stdout stays clean for command output
 * (`pos simulate --dry-run`, `pos report --format csv`).
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? 'info';
  const format = options.format ?? (process.stderr.isTTY ? 'pretty' : 'json');
  const settings: pino.LoggerOptions = {
    level,
    base: { pid: process.pid },
    // Belt and braces: no code path logs credentials, and these paths are masked if one ever does.
    redact: { paths: SECRET_PATHS, censor: '***' },
    hooks: {
      logMethod(args, method, level) {
        if (options.onProblem && level >= 40) {
          const [first, second] = args as unknown[];
          const detail =
            typeof first === 'object' && first !== null && 'err' in first ? `: ${String((first as { err: unknown }).err)}` : '';
          options.onProblem(`${typeof first === 'string' ? first : String(second ?? '')}${detail}`);
        }
        method.apply(this, args);
      },
    },
  };
  if (options.file) return pino(settings, pino.destination({ dest: options.file, mkdir: true, append: true, sync: true }));
  if (format === 'pretty') {
    return pino(settings, pretty({ destination: 2, sync: true, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' }));
  }
  return pino(settings, pino.destination({ fd: 2, sync: true }));
}

/** A logger that drops everything, for tests and library callers that pass none. */
export const silentLogger: Logger = pino({ level: 'silent' });
