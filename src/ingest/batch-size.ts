/**
 * Messages per database transaction unless told otherwise (`pos consume --batch-size`). Larger
 * batches hardly write faster (3,000 and 5,000 measured within 3% of each other) but cost the
 * consumer about 25 MB of memory per 1,000 messages. Its own module: the CLI reads it without
 * loading the consumer.
 */
export const DEFAULT_BATCH_SIZE = 3000;
