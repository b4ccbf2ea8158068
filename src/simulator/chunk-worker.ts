import { parentPort, workerData } from 'node:worker_threads';
import { ChunkEncoder, type ChunkSpec, type SlotChunk } from './chunks.ts';

// A thread that makes backfill chunks: slots in, encoded messages out (their buffers transferred, not copied).
const encoder = new ChunkEncoder(workerData as ChunkSpec);
parentPort?.on('message', (chunk: SlotChunk) => {
  const encoded = encoder.encode(chunk);
  parentPort?.postMessage(encoded, [encoded.bytes.buffer, encoded.ends.buffer, encoded.stores.buffer]);
});
