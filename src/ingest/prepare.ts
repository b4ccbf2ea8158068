import { payloadHash } from '../contract/canonical.ts';
import { boundedDetail, type DeadLetterCode, type Verdict } from '../contract/validate.ts';
import { errorMessage } from '../plumbing/errors.ts';
import type { WarehouseRows } from '../warehouse/rows.ts';
import { mapTransaction, type SourcePosition, WarehouseRowsBuilder } from './rows.ts';

/** What a message turned out to be, without the parsed message itself (it need not leave the thread that parsed it). */
export type Outcome =
  | { ok: true /** Lower case. */; id: string /** The payload hash, hex. */; hash: string; lines: number }
  | { ok: false; code: DeadLetterCode; detail: string };

/**
 * The part of writing a batch that needs no database, as plain data (it crosses from a worker
 * thread, its bytes moved): each message's outcome, and the rows of the first valid occurrence
 * of each transaction id, in the batch's order, the facts as COPY text but the keys.
 */
export interface Preparation {
  outcomes: Outcome[];
  rows: WarehouseRows;
}

/** A batch's messages as prepare() reads them, one at a time. */
export interface PrepareInput {
  readonly length: number;
  /** Message `index`'s verdict, made as it is asked for; it may throw (the message is then `unprocessable`). */
  verdict(index: number): Verdict;
  source(index: number): SourcePosition | undefined;
  /** Messages to leave untouched, with the detail of their dead letter: they crashed the preparing thread. */
  excluded?: ReadonlyMap<number, string>;
}

/**
 * Decodes, validates and hashes each message and maps the first occurrence of each id onto rows,
 * one message at a time: a message's verdict need not outlive its turn. Whatever one message
 * makes throw (a case the contract's checks missed) makes it an `unprocessable` dead letter and
 * nothing else: the rest of the batch goes on. Pure CPU work.
 */
export function prepare(input: PrepareInput): Preparation {
  const outcomes: Outcome[] = [];
  const seen = new Set<string>();
  const rows = new WarehouseRowsBuilder();
  for (let index = 0; index < input.length; index++) {
    const excluded = input.excluded?.get(index);
    if (excluded !== undefined) {
      outcomes.push(unprocessable(excluded));
      continue;
    }
    try {
      const verdict = input.verdict(index);
      if (!verdict.ok) {
        outcomes.push({ ok: false, code: verdict.code, detail: verdict.detail });
        continue;
      }
      const { message } = verdict;
      const hash = payloadHash(message, verdict.text);
      const id = message.transaction_id.toLowerCase();
      // Mapped before anything of it is added: a message that fails here leaves no trace in the rows.
      const mapped = seen.has(id) ? undefined : mapTransaction({ message, hash, source: input.source(index) });
      outcomes.push({ ok: true, id, hash: hash.toString('hex'), lines: message.items.length });
      if (!mapped) continue;
      seen.add(id);
      rows.addMapped(mapped);
    } catch (error) {
      outcomes.push(failedWith(error));
    }
  }
  return { outcomes, rows: rows.finish() };
}

/** A verdict that cannot throw: what throws is `unprocessable`. */
export function verdictOf(decide: () => Verdict): Verdict {
  try {
    return decide();
  } catch (error) {
    return failedWith(error);
  }
}

/** The dead letter of a message that could not be prepared: a verdict and an outcome alike. */
function unprocessable(detail: string): { ok: false; code: 'unprocessable'; detail: string } {
  return { ok: false, code: 'unprocessable', detail: boundedDetail(detail) };
}

function failedWith(error: unknown): { ok: false; code: 'unprocessable'; detail: string } {
  return unprocessable(`preparing it failed: ${errorMessage(error)}`);
}

/** Records with their verdicts made already (the API's path, without a worker), as prepare()'s input. */
export function decidedInput(records: readonly { verdict: Verdict; source: SourcePosition | undefined }[]): PrepareInput {
  return {
    length: records.length,
    verdict: (index) => (records[index] as (typeof records)[number]).verdict,
    source: (index) => records[index]?.source,
  };
}

/** Among these records (indexes), the first valid one of each id, and the later ones (replays or conflicts of it). */
export function firstOccurrences(
  indexes: readonly number[],
  outcomes: readonly Outcome[],
): { candidates: Map<string, number>; repeats: number[] } {
  const candidates = new Map<string, number>();
  const repeats: number[] = [];
  for (const index of indexes) {
    const outcome = outcomes[index] as Outcome;
    if (!outcome.ok) continue;
    if (candidates.has(outcome.id)) repeats.push(index);
    else candidates.set(outcome.id, index);
  }
  return { candidates, repeats };
}
