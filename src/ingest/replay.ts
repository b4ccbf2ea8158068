import { payloadHash } from '../contract/canonical.ts';
import { type DeadLetterCode, decodeTransaction } from '../contract/validate.ts';
import type { Warehouse } from '../warehouse/database.ts';
import {
  type DeadLetterToReplay,
  deadLettersToReplay,
  recordReplayOutcomes,
  replayStates,
  SETTLED_REPLAY_OUTCOMES,
} from '../warehouse/sql/replay-dead-letters.ts';
import { storedPayloadHashes } from '../warehouse/sql/stored-payload-hashes.ts';
import { KnownMembers } from './known-members.ts';
import type { SourcePosition } from './rows.ts';
import { type IncomingRecord, type RawRecord, writeBatchIsolatingRefusals } from './write.ts';
import { decodeInventoryBatch, storedEventHashes, writeInventoryIsolatingRefusals } from './write-inventory.ts';

/**
 * What a replay made of a letter: it `landed`; its transaction was already stored with the same
 * content (`duplicate`); with other content (`conflict`); PostgreSQL `refused` it; or today's
 * validation still rejects it (`invalid:<code>`). `landed` and `duplicate` settle a letter: later
 * replays leave it alone.
 */
export type ReplayOutcome = 'landed' | 'duplicate' | 'conflict' | 'refused' | `invalid:${DeadLetterCode}`;

export interface ReplaySelection {
  /** Letters with this error code… */
  code?: string;
  /** …or these letters (ids). Neither: every letter no replay has settled. */
  ids?: string[];
  /** Letters read from this topic are inventory messages, replayed through the inventory write path. */
  inventoryTopic?: string;
}

export interface ReplayedLetter {
  id: string;
  outcome: ReplayOutcome;
  /** Why it did not land, when it did not. */
  detail?: string;
}

export interface ReplayResult {
  /** Every letter replayed, in id order. */
  letters: ReplayedLetter[];
  /** How many of each outcome. */
  outcomes: Partial<Record<ReplayOutcome, number>>;
  /** Asked for by id, but a replay had settled them already: left alone. */
  alreadySettled: string[];
  /** Asked for by id, but not in the table. */
  notFound: string[];
}

/** Letters replayed per database round (each round writes them in one transaction, through the write path). */
const PAGE = 500;

/**
 * Replays dead letters: re-validates each one's raw bytes with today's code and writes those that
 * now pass through the consumer's write path (writeBatchIsolatingRefusals), so each transaction
 * lands at most once whoever else writes it; then records `replayed_at` and the outcome. A letter
 * that fails again is not stored again (the write path is told not to store dead letters): it
 * keeps its row, with the new outcome.
 */
export async function replayDeadLetters(warehouse: Warehouse, selection: ReplaySelection): Promise<ReplayResult> {
  const result: ReplayResult = { letters: [], outcomes: {}, alreadySettled: [], notFound: [] };
  if (selection.ids) {
    const states = await replayStates(warehouse, selection.ids);
    result.notFound = selection.ids.filter((id) => !states.has(id));
    result.alreadySettled = selection.ids.filter((id) => SETTLED_REPLAY_OUTCOMES.includes(states.get(id) ?? ''));
  }
  let afterId = '0';
  for (;;) {
    const letters = await deadLettersToReplay(warehouse, { ...selection, afterId, limit: PAGE });
    const last = letters.at(-1);
    if (!last) return result;
    const isInventory = (letter: DeadLetterToReplay) => letter.topic !== null && letter.topic === selection.inventoryTopic;
    const replayed = [
      ...(await replayPage(
        warehouse,
        letters.filter((letter) => !isInventory(letter)),
      )),
      ...(await replayInventoryPage(warehouse, letters.filter(isInventory))),
    ];
    await recordReplayOutcomes(warehouse, replayed);
    for (const letter of replayed) {
      result.letters.push(letter);
      result.outcomes[letter.outcome] = (result.outcomes[letter.outcome] ?? 0) + 1;
    }
    afterId = last.id;
  }
}

async function replayPage(warehouse: Warehouse, letters: DeadLetterToReplay[]): Promise<ReplayedLetter[]> {
  const outcomes = new Map<string, ReplayedLetter>();
  const candidates: { letter: DeadLetterToReplay; record: IncomingRecord; transactionId: string; hash: string }[] = [];
  for (const letter of letters) {
    const record = toIncomingRecord(letter);
    if (!record.verdict.ok) {
      outcomes.set(letter.id, { id: letter.id, outcome: `invalid:${record.verdict.code}`, detail: record.verdict.detail });
      continue;
    }
    const { message } = record.verdict;
    candidates.push({
      letter,
      record,
      transactionId: message.transaction_id.toLowerCase(),
      hash: payloadHash(message).toString('hex'),
    });
  }

  // Compared here: the write path counts duplicates without saying which messages they were.
  const stored = await storedPayloadHashes(warehouse, [...new Set(candidates.map((candidate) => candidate.transactionId))]);
  const toWrite: typeof candidates = [];
  for (const candidate of candidates) {
    const known = stored.get(candidate.transactionId);
    if (known === undefined) {
      stored.set(candidate.transactionId, candidate.hash);
      toWrite.push(candidate);
    } else if (known === candidate.hash) {
      outcomes.set(candidate.letter.id, { id: candidate.letter.id, outcome: 'duplicate' });
    } else {
      outcomes.set(candidate.letter.id, {
        id: candidate.letter.id,
        outcome: 'conflict',
        detail: `transaction ${candidate.transactionId} is stored with different content`,
      });
    }
  }

  if (toWrite.length > 0) {
    // No offset scope: a replay moves no consumer group's offsets. What is refused again comes
    // back without being stored: each letter has its row already.
    const written = await writeBatchIsolatingRefusals(
      warehouse,
      toWrite.map((candidate) => candidate.record),
      undefined,
      new KnownMembers(),
      { storeDeadLetters: false },
    );
    const refusals = new Map(
      written.rejected.map((rejection) => [
        rejection.source ? positionKey(rejection.source) : `id:${rejection.transactionId}`,
        rejection,
      ]),
    );
    for (const { letter, record, transactionId } of toWrite) {
      const refusal = refusals.get(record.source ? positionKey(record.source) : `id:${transactionId}`);
      if (!refusal) {
        // (Should another writer store the transaction in the instant between the comparison
        // above and this write, it counts as landed here: the warehouse holds it once either way.)
        outcomes.set(letter.id, { id: letter.id, outcome: 'landed' });
        continue;
      }
      const outcome: ReplayOutcome =
        refusal.code === 'conflict' ? 'conflict' : refusal.code === 'database' ? 'refused' : `invalid:${refusal.code}`;
      outcomes.set(letter.id, { id: letter.id, outcome, detail: refusal.detail });
    }
  }
  return letters.map((letter) => outcomes.get(letter.id) as ReplayedLetter);
}

/**
 * Inventory letters, as replayPage does sales: each decoded with today's code, compared with the
 * event stored under its id, and written through the inventory write path if it is new.
 */
async function replayInventoryPage(warehouse: Warehouse, letters: DeadLetterToReplay[]): Promise<ReplayedLetter[]> {
  if (letters.length === 0) return [];
  const records = letters.map(toRawRecord);
  const { verdicts } = decodeInventoryBatch({
    length: records.length,
    source: (i) => records[i]?.source,
    record: (i) => records[i] as RawRecord,
  });
  const outcomes = new Map<string, ReplayedLetter>();
  const stored = await storedEventHashes(
    warehouse,
    verdicts.flatMap((verdict) => (verdict.ok ? [verdict.event.event_id.toLowerCase()] : [])),
  );
  const toWrite: number[] = [];
  letters.forEach((letter, index) => {
    const verdict = verdicts[index] as (typeof verdicts)[number];
    if (!verdict.ok) {
      outcomes.set(letter.id, { id: letter.id, outcome: `invalid:${verdict.code}`, detail: verdict.detail });
      return;
    }
    const id = verdict.event.event_id.toLowerCase();
    const known = stored.get(id);
    if (known === undefined) {
      stored.set(id, verdict.hash);
      toWrite.push(index);
    } else if (known.equals(verdict.hash)) outcomes.set(letter.id, { id: letter.id, outcome: 'duplicate' });
    else
      outcomes.set(letter.id, {
        id: letter.id,
        outcome: 'conflict',
        detail: `inventory event ${id} is stored with different content`,
      });
  });
  if (toWrite.length > 0) {
    const part = toWrite.map((index) => records[index] as RawRecord);
    const written = await writeInventoryIsolatingRefusals(
      warehouse,
      {
        records: { length: part.length, source: (i) => part[i]?.source, record: (i) => part[i] as RawRecord },
        verdicts: toWrite.map((index) => verdicts[index] as (typeof verdicts)[number]),
      },
      undefined,
      { storeDeadLetters: false },
    );
    const refusals = new Map(
      written.rejected.map((rejection) => [rejection.source ? positionKey(rejection.source) : '', rejection]),
    );
    for (const index of toWrite) {
      const letter = letters[index] as DeadLetterToReplay;
      const source = records[index]?.source;
      const refusal = source ? refusals.get(positionKey(source)) : undefined;
      if (!refusal) outcomes.set(letter.id, { id: letter.id, outcome: 'landed' });
      else {
        const outcome: ReplayOutcome =
          refusal.code === 'conflict' ? 'conflict' : refusal.code === 'database' ? 'refused' : `invalid:${refusal.code}`;
        outcomes.set(letter.id, { id: letter.id, outcome, detail: refusal.detail });
      }
    }
  }
  return letters.map((letter) => outcomes.get(letter.id) as ReplayedLetter);
}

function toIncomingRecord(letter: DeadLetterToReplay): IncomingRecord {
  const record = toRawRecord(letter);
  return { ...record, verdict: decodeTransaction(record.value) };
}

/** A letter's bytes and where it was read. */
function toRawRecord(letter: DeadLetterToReplay): RawRecord {
  const bytes = (value: Uint8Array | null) =>
    value === null ? null : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  const value = bytes(letter.raw_value);
  return {
    key: bytes(letter.key),
    value,
    // Where the message came from, so that what lands says so, and a refusal finds the letter's own
    // row (its topic id included: a recreated topic's letters may share the position).
    source:
      letter.topic !== null && letter.partition !== null && letter.offset !== null
        ? {
            topic: letter.topic,
            partition: letter.partition,
            offset: BigInt(letter.offset),
            ...(letter.topic_id === null ? {} : { topicId: letter.topic_id }),
          }
        : undefined,
  };
}

function positionKey(source: SourcePosition): string {
  return `${source.topicId ?? ''}:${source.topic}:${source.partition}:${source.offset}`;
}
