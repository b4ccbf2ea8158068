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
    redact: { paths: ['password', '*.password', 'connectionString', '*.connectionString'], censor: '***' },
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
