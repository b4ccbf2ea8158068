import { type CatalogSizes, createCatalog } from '../catalog/catalog.ts';
import type { ChainName } from '../catalog/chains.ts';
import type { SchemaVersion } from '../contract/message.ts';
import { ByteWriter } from '../plumbing/byte-writer.ts';
import { encodeTransaction, type WireFormat } from './encode.ts';
import { type Slot, TradingPattern } from './schedule.ts';
import { Simulator } from './simulator.ts';

/**
 * A backfill is made in chunks of this many slots, each from a random stream of its own, so
 * that chunks can be made in parallel and still give the same bytes for the same seed, whatever
 * the number of threads. Returns refer to sales of their own chunk (a few hours of trading).
 */
const CHUNK_SLOTS = 4096;

export interface SlotChunk {
  index: number;
  at: Float64Array<ArrayBuffer>;
  stores: Uint32Array<ArrayBuffer>;
}

/** The chunk's messages, back to back in `bytes`; message i ends at `ends[i]`. */
export interface EncodedChunk {
  index: number;
  bytes: Uint8Array<ArrayBuffer>;
  ends: Uint32Array<ArrayBuffer>;
  stores: Uint32Array<ArrayBuffer>;
}

export interface ChunkSpec {
  /** The run's seed, and the chain's. */
  seed: number;
  catalogSeed: number;
  sizes: CatalogSizes;
  chain: ChainName;
  /** The contract version of the messages. */
  contract: SchemaVersion;
}

export function* chunkSlots(slots: Iterable<Slot>, size = CHUNK_SLOTS): Generator<SlotChunk> {
  let index = 0;
  let at = new Float64Array(size);
  let stores = new Uint32Array(size);
  let count = 0;
  for (const slot of slots) {
    at[count] = slot.at;
    stores[count] = slot.store;
    if (++count === size) {
      yield { index: index++, at, stores };
      at = new Float64Array(size);
      stores = new Uint32Array(size);
      count = 0;
    }
  }
  if (count > 0) yield { index, at: at.slice(0, count), stores: stores.slice(0, count) };
}

/** Makes and encodes the transactions of chunks: in the main thread, or in a worker (chunk-worker.ts). */
export class ChunkEncoder {
  readonly #catalog;
  readonly #pattern;
  readonly #seed: number;
  readonly #format: WireFormat;

  constructor(spec: ChunkSpec) {
    this.#catalog = createCatalog(spec.catalogSeed, spec.sizes, spec.chain);
    this.#pattern = new TradingPattern(this.#catalog);
    this.#seed = spec.seed;
    this.#format = { version: spec.contract, currency: this.#catalog.chain.currency };
  }

  encode(chunk: SlotChunk): EncodedChunk {
    const simulator = new Simulator(this.#catalog, this.#seed, chunk.index);
    const out = new ByteWriter(chunk.at.length * 1700);
    const ends = new Uint32Array(chunk.at.length);
    for (let i = 0; i < chunk.at.length; i++) {
      const transaction = simulator.transactionAt(chunk.at[i] as number, chunk.stores[i] as number);
      encodeTransaction(transaction, this.#pattern.clock(transaction.store), out, this.#format);
      ends[i] = out.position;
    }
    return { index: chunk.index, bytes: out.written(), ends, stores: chunk.stores };
  }
}
