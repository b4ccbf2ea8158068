import { parentPort } from 'node:worker_threads';
import { decodeTransaction } from '../contract/validate.ts';
import { factTextBuffers } from '../warehouse/sql/copy-facts.ts';
import { prepare } from './prepare.ts';
import type { PrepareRequest } from './preparer.ts';

// A thread that decodes, validates, hashes and maps batches onto rows: message bytes in, a
// Preparation out, their buffers moved rather than copied.
parentPort?.on('message', (request: PrepareRequest) => {
  const preparation = prepare(decoded(request));
  parentPort?.postMessage({ id: request.id, preparation }, factTextBuffers(preparation.rows.facts));
});

/** The request's messages decoded one by one, as prepare() asks for them. */
function* decoded(request: PrepareRequest) {
  let start = 0;
  for (const [index, end] of request.ends.entries()) {
    yield {
      verdict: decodeTransaction(request.absent[index] ? null : request.bytes.subarray(start, end)),
      source: { topic: request.topic, partition: request.partitions[index] as number, offset: request.offsets[index] as bigint },
    };
    start = end;
  }
}
