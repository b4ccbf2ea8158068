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
  /** Told before each wait (for metrics and health: "waiting for the database"). */
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
}

/** The wait before retry number `attempt`: exponential, capped at 30 s, with full jitter (so that many clients do not retry in step). */
export function backoffDelay(attempt: number): number {
  return Math.round(Math.random() * Math.min(30_000, 200 * 2 ** attempt));
}

/**
 * Runs `operation` until it succeeds, waiting between transient failures (backoffDelay), and
 * saying each time what it is waiting for.
 */
export async function retryTransient<T>(operation: () => Promise<T>, options: RetryOptions): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      const result = await operation();
      if (attempt > 1) options.logger.info({ attempts: attempt }, `${options.what} is back`);
      return result;
    } catch (error) {
      if (!options.isTransient(error) || options.signal?.aborted) throw error;
      const delay = backoffDelay(attempt);
      options.logger.warn({ err: errorMessage(error), attempt, retryInMs: delay }, `Waiting for ${options.what}`);
      options.onRetry?.(error, attempt, delay);
      await sleep(delay, undefined, { signal: options.signal }).catch(() => {});
      if (options.signal?.aborted) throw error;
    }
  }
}
