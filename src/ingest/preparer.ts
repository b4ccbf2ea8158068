import { Worker } from 'node:worker_threads';
import type { SchemaVersion } from '../contract/message.ts';
import type { Logger } from '../plumbing/logger.ts';
import { type FetchedBatch, type FetchedMessages, fetchedRecords, postable } from './fetched-batch.ts';
import type { Preparation } from './prepare.ts';
import type { PrepareRequest, PrepareResponse, PreparerData } from './prepare-worker.ts';
import type { PreparedBatch } from './write.ts';

/** The thread failed while it held a request: it crashed (an uncaught error, out of memory, terminated) or threw. */
export class PreparerFailed extends Error {
  constructor(detail: string) {
    super(`the batch preparer thread failed: ${detail}`);
    this.name = 'PreparerFailed';
  }
}

export interface BatchPreparerOptions {
  logger?: Logger;
  /** The thread's module; tests give one that crashes on purpose. */
  entry?: URL;
  /** The contract versions the thread accepts (default: all it reads). */
  contractVersions?: readonly SchemaVersion[];
}

/**
 * Prepares batches (prepare.ts: decode, validate, hash, rows, COPY text) on a worker thread. The
 * machine has two cores and PostgreSQL needs one of them only part of the time: parsing JSON and
 * hashing off the main thread leaves it the Kafka client and the database connection, and keeps
 * the parsed messages (most of the garbage) out of its heap.
 *
 * No message may stop the consumer, not even one that crashes the thread: a failed batch is tried
 * again on a new thread, and if it fails again, the messages that make it fail are found by
 * halving (as the write step finds the rows PostgreSQL refuses) and become `unprocessable` dead
 * letters while the rest is prepared.
 */
export class BatchPreparer {
  readonly #options: BatchPreparerOptions;
  #worker: Worker | undefined;
  #nextId = 0;
  readonly #pending = new Map<
    number,
    { worker: Worker; resolve: (preparation: Preparation) => void; reject: (error: unknown) => void }
  >();

  constructor(options: BatchPreparerOptions = {}) {
    this.#options = options;
    // Started at once, so that it loads (the JSON Schema compiles) while the consumer joins its group.
    this.#started();
  }

  /** The batch, prepared; the thread reads its values where they are (shared memory), so a crash of it takes nothing with it. */
  async prepare(batch: FetchedBatch): Promise<{ batch: FetchedBatch; prepared: PreparedBatch }> {
    const preparation = await this.#prepareSurviving(batch);
    return { batch, prepared: { ...preparation, records: fetchedRecords(batch) } };
  }

  async close(): Promise<void> {
    const worker = this.#worker;
    this.#worker = undefined;
    await worker?.terminate();
  }

  async #prepareSurviving(batch: FetchedBatch): Promise<Preparation> {
    try {
      return await this.#request(batch);
    } catch (error) {
      if (!(error instanceof PreparerFailed)) throw error;
      this.#options.logger?.warn({ err: error.message, messages: batch.length }, 'Preparing a batch failed; trying it again');
    }
    try {
      return await this.#request(batch);
    } catch (error) {
      if (!(error instanceof PreparerFailed)) throw error;
      this.#options.logger?.warn(
        { err: error.message, messages: batch.length },
        'Preparing the batch failed again; looking for the messages that make it fail',
      );
    }
    const excluded = new Map<number, string>();
    await this.#findCulprits(batch, 0, batch.length, excluded);
    for (const [index, detail] of excluded) {
      this.#options.logger?.warn(
        { partition: batch.partitions[index], offset: String(batch.offsets[index]), detail },
        'A message fails the batch preparer thread: it becomes a dead letter',
      );
    }
    // What is left once they are out prepares; if even that fails, the failure is the consumer's to handle.
    return this.#request(batch, { excluded });
  }

  /** Adds to `excluded` the messages of start to end − 1 that fail the thread on their own, by halving. */
  async #findCulprits(batch: FetchedBatch, start: number, end: number, excluded: Map<number, string>): Promise<void> {
    try {
      await this.#request(batch, { only: { start, end }, excluded });
      return;
    } catch (error) {
      if (!(error instanceof PreparerFailed)) throw error;
      if (end - start === 1) {
        excluded.set(start, `it failed the preparing thread twice: ${error.message}`);
        return;
      }
    }
    const middle = start + Math.ceil((end - start) / 2);
    await this.#findCulprits(batch, start, middle, excluded);
    await this.#findCulprits(batch, middle, end, excluded);
  }

  #request(batch: FetchedMessages, part: Pick<PrepareRequest, 'only' | 'excluded'> = {}): Promise<Preparation> {
    const id = ++this.#nextId;
    const worker = this.#started();
    return new Promise<Preparation>((resolve, reject) => {
      this.#pending.set(id, { worker, resolve, reject });
      worker.postMessage({ id, messages: postable(batch), ...part } satisfies PrepareRequest);
    });
  }

  #started(): Worker {
    if (this.#worker) return this.#worker;
    const entry =
      this.#options.entry ??
      new URL(import.meta.url.endsWith('.ts') ? './prepare-worker.ts' : './prepare-worker.js', import.meta.url);
    const workerData: PreparerData = { contractVersions: this.#options.contractVersions };
    const worker = new Worker(entry, { workerData });
    worker.unref();
    worker.on('message', (response: PrepareResponse) => {
      const pending = this.#pending.get(response.id);
      this.#pending.delete(response.id);
      if ('failure' in response) pending?.reject(new PreparerFailed(response.failure));
      else pending?.resolve(response.preparation);
    });
    // A thread that dies takes its pending batches with it (not those of the thread after it); the next request starts a new one.
    const fail = (error: PreparerFailed) => {
      if (this.#worker === worker) this.#worker = undefined;
      for (const [id, pending] of this.#pending) {
        if (pending.worker !== worker) continue;
        this.#pending.delete(id);
        pending.reject(error);
      }
    };
    worker.on('error', (error) => fail(new PreparerFailed(error.message)));
    worker.on('exit', (code) => fail(new PreparerFailed(`it exited (code ${code})`)));
    this.#worker = worker;
    return worker;
  }
}
