import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * Runs `pos ARGS` in its own process, as a user would (with the launcher's heap settings), and
 * returns the fields of its last log line with the message `finished`, and its peak RSS as seen
 * from outside (Linux: VmHWM, sampled; the figure the process reports itself counts, after a
 * fork and exec, the pages it shared with a large parent such as this benchmark).
 */
export function runPos<T>(
  args: string[],
  env: Record<string, string>,
  finished: string,
): Promise<T & { observedPeakRssMB: number | undefined }> {
  const child = spawn(process.execPath, [fileURLToPath(new URL('../bin/pos.js', import.meta.url)), ...args], {
    env: { ...process.env, ...env, LOG_FORMAT: 'json' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  child.stderr.on('data', (chunk: Buffer) => {
    log += chunk;
  });
  let peakKb: number | undefined;
  const sample = setInterval(() => {
    try {
      const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1];
      if (hwm) peakKb = Math.max(peakKb ?? 0, Number(hwm));
    } catch {
      // not Linux, or the process has ended
    }
  }, 100);
  return new Promise((resolve, reject) => {
    child.on('close', (code) => {
      clearInterval(sample);
      const line = log.split('\n').findLast((entry) => entry.includes(`"msg":"${finished}"`));
      if (code !== 0 || !line) reject(new Error(`pos ${args.join(' ')} exited ${code}:\n${log.slice(-3000)}`));
      else
        resolve({ ...(JSON.parse(line) as T), observedPeakRssMB: peakKb === undefined ? undefined : Math.round(peakKb / 1024) });
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
