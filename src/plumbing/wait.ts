import { setTimeout as sleep } from 'node:timers/promises';
import { errorMessage } from './errors.ts';

export interface WaitOptions {
  /** What we wait for, for the timeout message: "the broker at 127.0.0.1:9092 to answer". */
  what: string;
  timeoutMs: number;
  intervalMs?: number;
  /** Stops waiting at once, failing with the signal's reason. */
  signal?: AbortSignal;
  /** An error of the probe that no retry can fix: thrown at once rather than waited out. */
  giveUp?: (error: unknown) => boolean;
}

/**
 * Polls `probe` until it returns a value other than undefined/false, or the deadline passes.
 * A probe that throws counts as "not yet"; its last error goes into the timeout message.
 */
export async function waitUntil<T>(
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  options: WaitOptions,
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  let lastError: unknown;
  for (;;) {
    options.signal?.throwIfAborted();
    try {
      const result = await probe();
      if (result !== undefined && result !== false) return result;
    } catch (error) {
      if (options.giveUp?.(error)) throw error;
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const reason = lastError === undefined ? '' : ` (last error: ${errorMessage(lastError)})`;
      throw new Error(`Timed out after ${Math.round(options.timeoutMs / 1000)} s waiting for ${options.what}${reason}`);
    }
    await sleep(Math.min(options.intervalMs ?? 250, Math.max(0, deadline - Date.now())), undefined, {
      signal: options.signal,
    }).catch(() => {});
  }
}
