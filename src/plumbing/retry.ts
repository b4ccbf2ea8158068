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

/** How long to wait before each retry: the one backoff of `pos`, with each caller's own bounds. */
export interface Backoff {
  /** The wait before the first retry; each further retry waits twice as long… */
  firstMs: number;
  /** …up to this. */
  maxMs: number;
  /**
   * The share of each wait that is random, so that many clients do not retry in step: 1 waits
   * anywhere up to the wait (full jitter), 0.5 from half of it to all of it, 0 exactly the wait.
   */
  jitter: number;
}

/** Waiting out an outage (PostgreSQL, Kafka): 0.4 s at first, at most 30 s, full jitter. */
export const OUTAGE_BACKOFF: Backoff = { firstMs: 400, maxMs: 30_000, jitter: 1 };

/** The wait before retry number `attempt` (1, 2, …; 0 counts as 1), in whole milliseconds. */
export function backoffDelay(attempt: number, backoff: Backoff = OUTAGE_BACKOFF): number {
  const wait = Math.min(backoff.maxMs, backoff.firstMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(wait * (1 - backoff.jitter + backoff.jitter * Math.random()));
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
