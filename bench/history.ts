import { DEFAULT_SIZES } from '../src/catalog/catalog.ts';
import { payloadHash } from '../src/contract/canonical.ts';
import { decodeTransaction } from '../src/contract/validate.ts';
import type { AcceptedMessage } from '../src/ingest/rows.ts';
import { simulate } from '../src/simulator/run.ts';
import type { MessageSink, SinkStats } from '../src/simulator/sinks.ts';

/**
 * A day of the simulated chain's trading (the standard 25 stores), made in memory by the
 * project's simulator and decoded as `pos consume` decodes it, without Kafka: the backlog that
 * bench/prefill.ts copies into history. The messages are kept whole (some 1.7 KB of heap each),
 * so a backlog is a fraction of a day's trading, copied several times into each day.
 */
export async function simulateDay(options: { transactions: number; date: string; seed: number }): Promise<AcceptedMessage[]> {
  const accepted: AcceptedMessage[] = [];
  const stats: SinkStats = { sent: 0, failed: 0, retried: 0, bytes: 0 };
  const sink: MessageSink = {
    stats,
    write(_key, value) {
      const verdict = decodeTransaction(value);
      if (!verdict.ok) throw new Error(`the simulator made a message pos consume refuses: ${verdict.code}, ${verdict.detail}`);
      accepted.push({ message: verdict.message, hash: payloadHash(verdict.message), source: undefined });
      stats.sent++;
      stats.bytes += value.length;
      return undefined;
    },
    close: async () => stats,
  };
  await simulate({
    seed: options.seed,
    sizes: DEFAULT_SIZES,
    mode: { kind: 'backfill', count: options.transactions, startDate: options.date, days: 1 },
    sink,
    // One thread besides this one, which decodes: the machine has two cores.
    threads: 1,
  });
  return accepted;
}
