import { payloadHash } from '../contract/canonical.ts';
import type { DeadLetterCode, Verdict } from '../contract/validate.ts';
import type { WarehouseRows } from '../warehouse/rows.ts';
import { type SourcePosition, WarehouseRowsBuilder } from './rows.ts';

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

/**
 * Hashes the valid messages and maps the first occurrence of each id onto rows, one message at a
 * time: a message's verdict may be made as it is asked for, and need not outlive its turn. Pure
 * CPU work.
 */
export function prepare(messages: Iterable<{ verdict: Verdict; source: SourcePosition | undefined }>): Preparation {
  const outcomes: Outcome[] = [];
  const seen = new Set<string>();
  const rows = new WarehouseRowsBuilder();
  for (const { verdict, source } of messages) {
    if (!verdict.ok) {
      outcomes.push({ ok: false, code: verdict.code, detail: verdict.detail });
      continue;
    }
    const { message } = verdict;
    const hash = payloadHash(message, verdict.text);
    const id = message.transaction_id.toLowerCase();
    outcomes.push({ ok: true, id, hash: hash.toString('hex'), lines: message.items.length });
    if (seen.has(id)) continue;
    seen.add(id);
    rows.add({ message, hash, source });
  }
  return { outcomes, rows: rows.finish() };
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
