import { Writable } from 'node:stream';
import type { CatalogSizes } from '../../../src/catalog/catalog.ts';
import { DEFAULT_SIZES } from '../../../src/catalog/catalog.ts';
import type { TransactionMessage } from '../../../src/contract/message.ts';
import { simulate } from '../../../src/simulator/run.ts';
import { JsonLinesSink } from '../../../src/simulator/sinks.ts';

/** What `pos simulate --dry-run` writes for a backfill, as raw lines. */
export async function backfillLines(options: {
  seed: number;
  count: number;
  startDate?: string;
  days?: number;
  sizes?: CatalogSizes;
  threads?: number;
}): Promise<Buffer[]> {
  const chunks: Buffer[] = [];
  const output = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk);
      done();
    },
  });
  await simulate({
    seed: options.seed,
    sizes: options.sizes ?? DEFAULT_SIZES,
    mode: { kind: 'backfill', count: options.count, startDate: options.startDate ?? '2026-03-02', days: options.days ?? 28 },
    sink: new JsonLinesSink(output),
    threads: options.threads ?? 0,
  });
  const all = Buffer.concat(chunks);
  const lines: Buffer[] = [];
  let start = 0;
  for (let end = all.indexOf(10); end !== -1; end = all.indexOf(10, start)) {
    lines.push(all.subarray(start, end));
    start = end + 1;
  }
  return lines;
}

export function parse(lines: Buffer[]): TransactionMessage[] {
  return lines.map((line) => JSON.parse(line.toString()) as TransactionMessage);
}
