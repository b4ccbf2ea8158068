import { parentPort } from 'node:worker_threads';
import { decodeTransaction } from '../contract/validate.ts';
import { factTextBuffers } from '../warehouse/sql/copy-facts.ts';
import { type FetchedMessages, fetchedBuffers, valueAt } from './fetched-batch.ts';
import { prepare } from './prepare.ts';
import type { PrepareResponse } from './preparer.ts';

// A thread that decodes, validates, hashes and maps batches onto rows: a batch's messages in, a
// Preparation out, and the messages back; their buffers moved rather than copied.
parentPort?.on('message', ({ id, messages }: { id: number; messages: FetchedMessages }) => {
  const preparation = prepare(decoded(messages));
  const response: PrepareResponse = { id, preparation, messages };
  parentPort?.postMessage(response, [...factTextBuffers(preparation.rows.facts), ...fetchedBuffers(messages)]);
});

/** The batch's messages decoded one by one, as prepare() asks for them. */
function* decoded(messages: FetchedMessages) {
  for (let index = 0; index < messages.length; index++) {
    yield {
      verdict: decodeTransaction(valueAt(messages, index)),
      source: {
        topic: messages.topic,
        partition: messages.partitions[index] as number,
        offset: messages.offsets[index] as bigint,
      },
    };
  }
}
