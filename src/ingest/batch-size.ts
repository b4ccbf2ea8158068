import { getHeapStatistics } from 'node:v8';

/**
 * Messages per database transaction unless told otherwise (`pos consume --batch-size`). Larger
 * batches hardly write faster (2,000 and 3,000 measured at the same rate) but cost the consumer
 * memory: with the next batch prepared while one is written, 3,000 peaked at 325 MB and 2,000 at
 * 286 MB. Its own module: the CLI reads it without loading the consumer.
 */
export const DEFAULT_BATCH_SIZE = 2000;

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
