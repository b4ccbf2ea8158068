import { Worker } from 'node:worker_threads';
import { ChunkEncoder, type ChunkSpec, type EncodedChunk, type SlotChunk } from './chunks.ts';

/**
 * Encodes chunks on `threads` worker threads (or in this thread when 0) and yields them in
 * order, keeping two per thread in flight so that the threads do not wait for the producer.
 */
export async function* encodeChunks(chunks: Iterable<SlotChunk>, spec: ChunkSpec, threads: number): AsyncGenerator<EncodedChunk> {
  if (threads === 0) {
    const encoder = new ChunkEncoder(spec);
    for (const chunk of chunks) {
      yield encoder.encode(chunk);
      // Let timers and signals (Ctrl-C) in between chunks.
      await new Promise((resolve) => setImmediate(resolve));
    }
    return;
  }
  const workers = Array.from({ length: threads }, () => new ChunkThread(spec));
  const pending: Promise<EncodedChunk>[] = [];
  try {
    const source = chunks[Symbol.iterator]();
    let submitted = 0;
    for (;;) {
      while (pending.length < threads * 2) {
        const step = source.next();
        if (step.done) break;
        const encoded = (workers[submitted++ % threads] as ChunkThread).encode(step.value);
        // Marked handled: when the caller stops early, the chunks still queued are dropped.
        encoded.catch(() => {});
        pending.push(encoded);
      }
      const first = pending.shift();
      if (!first) return;
      yield await first;
    }
  } finally {
    await Promise.all(workers.map((worker) => worker.close()));
  }
}

/** One worker thread; it answers chunks in the order it got them. */
class ChunkThread {
  readonly #worker: Worker;
  readonly #waiting: { resolve: (chunk: EncodedChunk) => void; reject: (error: unknown) => void }[] = [];

  constructor(spec: ChunkSpec) {
    // In a checkout the source runs as TypeScript; in a built package, as JavaScript.
    const entry = new URL(import.meta.url.endsWith('.ts') ? './chunk-worker.ts' : './chunk-worker.js', import.meta.url);
    this.#worker = new Worker(entry, { workerData: spec });
    this.#worker.on('message', (chunk: EncodedChunk) => this.#waiting.shift()?.resolve(chunk));
    this.#worker.on('error', (error) => this.#rejectAll(error));
    this.#worker.on('exit', (code) => this.#rejectAll(new Error(`A simulator worker thread stopped (exit code ${code})`)));
  }

  encode(chunk: SlotChunk): Promise<EncodedChunk> {
    return new Promise((resolve, reject) => {
      this.#waiting.push({ resolve, reject });
      this.#worker.postMessage(chunk, [chunk.at.buffer, chunk.stores.buffer]);
    });
  }

  #rejectAll(error: unknown): void {
    for (const waiter of this.#waiting.splice(0)) waiter.reject(error);
  }

  close(): Promise<number> {
    return this.#worker.terminate();
  }
}
