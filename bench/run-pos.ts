import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * Runs `pos ARGS` in its own process, as a user would (with the launcher's heap settings), and
 * returns the fields of its last log line with the message `finished`.
 */
export function runPos<T>(args: string[], env: Record<string, string>, finished: string): Promise<T> {
  const child = spawn(process.execPath, [fileURLToPath(new URL('../bin/pos.js', import.meta.url)), ...args], {
    env: { ...process.env, ...env, LOG_FORMAT: 'json' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  child.stderr.on('data', (chunk: Buffer) => {
    log += chunk;
  });
  return new Promise((resolve, reject) => {
    child.on('close', (code) => {
      const line = log.split('\n').findLast((entry) => entry.includes(`"msg":"${finished}"`));
      if (code !== 0 || !line) reject(new Error(`pos ${args.join(' ')} exited ${code}:\n${log.slice(-3000)}`));
      else resolve(JSON.parse(line) as T);
    });
  });
}

export interface RunningPos {
  child: ChildProcess;
  /** What it has logged so far. */
  log(): string;
  /** Resolves with its exit code. */
  exited: Promise<number | null>;
}

/** Starts `pos ARGS` in its own process and leaves it running. */
export function startPos(args: string[], env: Record<string, string>): RunningPos {
  const child = spawn(process.execPath, [fileURLToPath(new URL('../bin/pos.js', import.meta.url)), ...args], {
    env: { ...process.env, ...env, LOG_FORMAT: 'json' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    log += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  return { child, log: () => log, exited };
}
