import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { Environment } from './environment.ts';

/** The full path of an executable on PATH, or undefined: how we tell "not installed" from "failed". */
export function findProgram(name: string, env: Environment = process.env): string | undefined {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here; keep looking
    }
  }
  return undefined;
}

export interface ProgramResult {
  stdout: string;
  stderr: string;
}

/** Runs a program to completion; rejects with its exit code and the tail of its output. */
export function runProgram(
  file: string,
  args: string[],
  options: { env?: Environment; cwd?: string; timeoutMs?: number } = {},
): Promise<ProgramResult> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      { env: options.env, cwd: options.cwd, timeout: options.timeoutMs ?? 0, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) {
          const output = `${stdout}\n${stderr}`.trim().split('\n').slice(-20).join('\n');
          reject(new Error(`${file} ${args.join(' ')} failed (${error.code ?? error.signal ?? 'error'}):\n${output}`));
        } else {
          resolve({ stdout, stderr });
        }
      },
    );
  });
}
