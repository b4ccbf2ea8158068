import { getHeapStatistics } from 'node:v8';

/**
 * Messages per database transaction unless told otherwise (`pos consume --batch-size`). Each batch
 * has costs of its own (its statements, its commit, the members it brings up to date), so larger
 * batches cost less CPU: 3,000 ingested 17% faster than 2,000 on this 2-core machine, where
 * every thread shares the cores (alternating runs). Ordinary messages (about 1.5 KB) reach the
 * batch's bytes first, at some 2,700 a batch. Memory bounds it: with two members a process peaked
 * at 274 – 291 MB (see the launcher's malloc settings). Its own module: the CLI reads it without
 * loading the consumer.
 */
export const DEFAULT_BATCH_SIZE = 3000;

/**
 * Bytes (keys and values) per database transaction unless told otherwise (`--batch-bytes`): a
 * 128th of the heap, between 4 and 16 MiB. A batch of ordinary messages (about 1.5 KB each) never
 * reaches it; a batch of large ones stops there, so that decoding it stays far from the heap limit
 * (parsed JSON takes several times its bytes).
 */
export function defaultBatchBytes(): number {
  const MiB = 1024 * 1024;
  return Math.min(16 * MiB, Math.max(4 * MiB, Math.floor(getHeapStatistics().heap_size_limit / 128)));
}
