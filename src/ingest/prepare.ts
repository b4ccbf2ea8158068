import { payloadHash } from '../contract/canonical.ts';
import type { TransactionMessage } from '../contract/message.ts';
import type { DeadLetterCode, Verdict } from '../contract/validate.ts';
import type { WarehouseRows } from '../warehouse/rows.ts';
import { type FactCopyParts, factCopyParts } from '../warehouse/sql/copy-facts.ts';
import { type SourcePosition, toWarehouseRows } from './rows.ts';

/** What a message turned out to be, without the parsed message itself (it need not leave the thread that parsed it). */
export type Outcome =
  | { ok: true /** Lower case. */; id: string /** The payload hash, hex. */; hash: string; lines: number }
  | { ok: false; code: DeadLetterCode; detail: string };

/**
 * The part of writing a batch that needs no database, as plain data (it crosses from a worker
 * thread by structured clone): each message's outcome, and the rows of the first valid occurrence
 * of each transaction id, in the batch's order, with the facts' COPY text but the keys.
 */
export interface Preparation {
  outcomes: Outcome[];
  rows: WarehouseRows;
  copyParts: FactCopyParts;
}

/** Hashes the valid messages and maps the first occurrence of each id onto rows. Pure CPU work. */
export function prepare(verdicts: readonly Verdict[], sources: readonly (SourcePosition | undefined)[]): Preparation {
  const outcomes: Outcome[] = [];
  const hashes: (Buffer | undefined)[] = [];
  for (const verdict of verdicts) {
    if (!verdict.ok) {
      outcomes.push({ ok: false, code: verdict.code, detail: verdict.detail });
      hashes.push(undefined);
      continue;
    }
    const hash = payloadHash(verdict.message);
    hashes.push(hash);
    outcomes.push({
      ok: true,
      id: verdict.message.transaction_id.toLowerCase(),
      hash: hash.toString('hex'),
      lines: verdict.message.items.length,
    });
  }
  const first = firstOccurrences(
    outcomes.map((_, index) => index),
    outcomes,
  ).candidates;
  const rows = toWarehouseRows(
    [...first.values()].map((index) => ({
      message: (verdicts[index] as { message: TransactionMessage }).message,
      hash: hashes[index] as Buffer,
      source: sources[index],
    })),
  );
  return { outcomes, rows, copyParts: factCopyParts(rows) };
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
