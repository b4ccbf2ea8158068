import { setTimeout as sleep } from 'node:timers/promises';
import { errorMessage } from './errors.ts';
import type { Logger } from './logger.ts';

export interface RetryOptions {
  /** What is being waited for, for the logs: "PostgreSQL". */
  what: string;
  /** True for failures worth waiting out; anything else is thrown at once. */
  isTransient: (error: unknown) => boolean;
  logger: Logger;
  /** Aborting stops the waiting: the last error is thrown. */
  signal?: AbortSignal;
  baseDelayMs?: number;
  maxDelayMs?: number;
}

/**
 * Runs `operation` until it succeeds, waiting between transient failures with exponential
 * backoff and full jitter (so that many consumers do not retry in step), and saying each time
 * what it is waiting for.
 */
export async function retryTransient<T>(operation: () => Promise<T>, options: RetryOptions): Promise<T> {
  const base = options.baseDelayMs ?? 200;
  const max = options.maxDelayMs ?? 30_000;
  for (let attempt = 1; ; attempt++) {
    try {
      const result = await operation();
      if (attempt > 1) options.logger.info({ attempts: attempt }, `${options.what} is back`);
      return result;
    } catch (error) {
      if (!options.isTransient(error) || options.signal?.aborted) throw error;
      const delay = Math.round(Math.random() * Math.min(max, base * 2 ** attempt));
      options.logger.warn({ err: errorMessage(error), attempt, retryInMs: delay }, `Waiting for ${options.what}`);
      await sleep(delay, undefined, { signal: options.signal }).catch(() => {});
      if (options.signal?.aborted) throw error;
    }
  }
}
