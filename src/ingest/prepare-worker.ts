import { parentPort } from 'node:worker_threads';
import { decodeTransaction, type Verdict } from '../contract/validate.ts';
import { prepare } from './prepare.ts';
import type { PrepareRequest } from './preparer.ts';
import type { SourcePosition } from './rows.ts';

// A thread that decodes, validates, hashes and maps batches onto rows: message bytes in (their
// buffers transferred, not copied), a Preparation out (plain data, cloned).
parentPort?.on('message', (request: PrepareRequest) => {
  const verdicts: Verdict[] = [];
  const sources: SourcePosition[] = [];
  let start = 0;
  for (const [index, end] of request.ends.entries()) {
    verdicts.push(decodeTransaction(request.absent[index] ? null : request.bytes.subarray(start, end)));
    sources.push({
      topic: request.topic,
      partition: request.partitions[index] as number,
      offset: request.offsets[index] as bigint,
    });
    start = end;
  }
  parentPort?.postMessage({ id: request.id, preparation: prepare(verdicts, sources) });
});
