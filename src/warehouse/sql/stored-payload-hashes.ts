import type { SqlRunner } from '../database.ts';

/** The payload hash of each of these transactions that is already stored. */
export async function storedPayloadHashes(db: SqlRunner, transactionIds: string[]): Promise<Map<string, string>> {
  if (transactionIds.length === 0) return new Map();
  const rows = await db.query<{ transaction_id: string; payload_hash: string }>(
    `select transaction_id::text, encode(payload_hash, 'hex') as payload_hash
       from pos.fact_transaction where transaction_id = any($1::uuid[])`,
    [transactionIds],
  );
  return new Map(rows.map((row) => [row.transaction_id, row.payload_hash]));
}
