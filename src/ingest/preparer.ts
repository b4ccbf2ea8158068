import { Worker } from 'node:worker_threads';
import { type FetchedBatch, type FetchedMessages, fetchedBuffers, fetchedRecords } from './fetched-batch.ts';
import type { Preparation } from './prepare.ts';
import type { PreparedBatch } from './write.ts';

/** What the worker answers: the preparation, and the batch's messages moved back. */
export interface PrepareResponse {
  id: number;
  preparation: Preparation;
  messages: FetchedMessages;
}

/**
 * Prepares batches (prepare.ts: decode, validate, hash, rows, COPY text) on a worker thread. The
 * machine has two cores and PostgreSQL needs one of them only part of the time: parsing JSON and
 * hashing off the main thread leaves it the Kafka client and the database connection, and keeps
 * the parsed messages (most of the garbage) out of its heap.
 */
export class BatchPreparer {
  #worker: Worker | undefined;
  #nextId = 0;
  readonly #pending = new Map<number, { resolve: (response: PrepareResponse) => void; reject: (error: unknown) => void }>();

  constructor() {
    // Started at once, so that it loads (the JSON Schema compiles) while the consumer joins its group.
    this.#started();
  }

  /**
   * The batch, prepared. Its arrays travel to the worker and back (moved, not copied): use the
   * batch returned, whose records the dead letters read their bytes from.
   */
  async prepare(batch: FetchedBatch): Promise<{ batch: FetchedBatch; prepared: PreparedBatch }> {
    const { lastOfPartition, ...messages } = batch;
    const id = ++this.#nextId;
    const response = await new Promise<PrepareResponse>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#started().postMessage({ id, messages }, fetchedBuffers(messages));
    });
    const returned = { ...response.messages, lastOfPartition };
    return { batch: returned, prepared: { ...response.preparation, records: fetchedRecords(returned) } };
  }

  async close(): Promise<void> {
    const worker = this.#worker;
    this.#worker = undefined;
    await worker?.terminate();
  }

  #started(): Worker {
    if (this.#worker) return this.#worker;
    const entry = new URL(import.meta.url.endsWith('.ts') ? './prepare-worker.ts' : './prepare-worker.js', import.meta.url);
    const worker = new Worker(entry);
    worker.unref();
    worker.on('message', (response: PrepareResponse) => {
      this.#pending.get(response.id)?.resolve(response);
      this.#pending.delete(response.id);
    });
    // A worker that fails takes its pending batches with it; the next batch starts a new one.
    const fail = (error: unknown) => {
      if (this.#worker === worker) this.#worker = undefined;
      for (const { reject } of this.#pending.values()) reject(error);
      this.#pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`The batch preparer thread exited (code ${code})`)));
    this.#worker = worker;
    return worker;
  }
}
