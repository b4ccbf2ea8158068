import { Worker } from 'node:worker_threads';
import type { Message } from '@platformatic/kafka';
import type { Preparation } from './prepare.ts';
import type { PreparedBatch } from './write.ts';

/** A batch's message bytes, as they travel to the worker: one buffer, and where each message ends. */
export interface PrepareRequest {
  id: number;
  topic: string;
  bytes: Uint8Array<ArrayBuffer>;
  ends: Uint32Array<ArrayBuffer>;
  /** 1 where a message has no value at all. */
  absent: Uint8Array<ArrayBuffer>;
  partitions: Int32Array<ArrayBuffer>;
  offsets: BigInt64Array<ArrayBuffer>;
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
  readonly #pending = new Map<number, { resolve: (preparation: Preparation) => void; reject: (error: unknown) => void }>();

  constructor() {
    // Started at once, so that it loads (the JSON Schema compiles) while the consumer joins its group.
    this.#started();
  }

  /** The batch, prepared; its messages stay here (the dead letters need their bytes). */
  async prepare(messages: Message[]): Promise<PreparedBatch> {
    const request = toRequest(++this.#nextId, messages);
    const preparation = await new Promise<Preparation>((resolve, reject) => {
      this.#pending.set(request.id, { resolve, reject });
      this.#started().postMessage(request, [request.bytes.buffer, request.ends.buffer, request.absent.buffer]);
    });
    return {
      ...preparation,
      records: messages.map((message) => ({
        key: message.key ?? null,
        value: message.value ?? null,
        source: { topic: message.topic, partition: message.partition, offset: message.offset },
      })),
    };
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
    worker.on('message', ({ id, preparation }: { id: number; preparation: Preparation }) => {
      this.#pending.get(id)?.resolve(preparation);
      this.#pending.delete(id);
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

function toRequest(id: number, messages: Message[]): PrepareRequest {
  let size = 0;
  for (const message of messages) size += message.value?.length ?? 0;
  const request: PrepareRequest = {
    id,
    topic: messages[0]?.topic ?? '',
    bytes: new Uint8Array(size),
    ends: new Uint32Array(messages.length),
    absent: new Uint8Array(messages.length),
    partitions: new Int32Array(messages.length),
    offsets: new BigInt64Array(messages.length),
  };
  let end = 0;
  for (const [index, message] of messages.entries()) {
    if (message.value) {
      request.bytes.set(message.value, end);
      end += message.value.length;
    } else {
      request.absent[index] = 1;
    }
    request.ends[index] = end;
    request.partitions[index] = message.partition;
    request.offsets[index] = message.offset;
  }
  return request;
}
