import { parentPort, workerData } from 'node:worker_threads';
import type { SchemaVersion } from '../contract/message.ts';
import { decodeTransaction } from '../contract/validate.ts';
import { errorMessage } from '../plumbing/errors.ts';
import { factTextBuffers } from '../warehouse/sql/copy-facts.ts';
import { type FetchedMessages, valueAt } from './fetched-batch.ts';
import { type Preparation, prepare } from './prepare.ts';

/** What the preparer asks of its thread: a batch, or a part of one, and the messages to leave alone. */
export interface PrepareRequest {
  id: number;
  messages: FetchedMessages;
  /** Only messages start to end − 1 are prepared (the others are left alone): a probe for a message that crashes the thread. */
  only?: { start: number; end: number };
  /** Messages found to crash the thread, with the detail of their dead letters. */
  excluded?: Map<number, string>;
}

/** What the thread is started with. */
export interface PreparerData {
  /** The contract versions accepted; undefined: all this build reads. */
  contractVersions: readonly SchemaVersion[] | undefined;
}

/** What the thread answers: the preparation, or what was thrown outside any one message's turn. */
export type PrepareResponse = { id: number; preparation: Preparation } | { id: number; failure: string };

/**
 * What the preparing thread runs for a batch of fetched messages: each one decoded, validated,
 * hashed and mapped onto rows (prepare.ts), every message isolated from the others.
 */
export function prepareFetched(
  messages: FetchedMessages,
  { only, excluded }: Pick<PrepareRequest, 'only' | 'excluded'> = {},
  versions?: readonly SchemaVersion[],
): Preparation {
  const start = only?.start ?? 0;
  const end = only?.end ?? messages.length;
  return prepare({
    length: end,
    verdict: (index) => decodeTransaction(valueAt(messages, index), versions),
    source: (index) => ({
      topic: messages.topic,
      partition: messages.partitions[index] as number,
      offset: messages.offsets[index] as bigint,
    }),
    excluded: leftAlone(start, excluded),
  });
}

/** The messages before `start` (left out of a probe) and those excluded. */
function leftAlone(start: number, excluded: ReadonlyMap<number, string> | undefined): ReadonlyMap<number, string> {
  if (start === 0) return excluded ?? new Map();
  const left = new Map(excluded);
  for (let index = 0; index < start; index++) left.set(index, 'not prepared in this probe');
  return left;
}

// The thread's side: a request in, a Preparation out, its bytes moved rather than copied.
const versions = (workerData as PreparerData | null)?.contractVersions;
parentPort?.on('message', (request: PrepareRequest) => {
  let response: PrepareResponse;
  try {
    response = { id: request.id, preparation: prepareFetched(request.messages, request, versions) };
  } catch (error) {
    parentPort?.postMessage({ id: request.id, failure: errorMessage(error) } satisfies PrepareResponse);
    return;
  }
  parentPort?.postMessage(response, 'preparation' in response ? factTextBuffers(response.preparation.rows.facts) : []);
});
