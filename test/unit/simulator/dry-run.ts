import { Writable } from 'node:stream';
import { DEFAULT_SIZES } from '../../../src/catalog/catalog.ts';
import type { ChainName } from '../../../src/catalog/chains.ts';
import type { SchemaVersion } from '../../../src/contract/message.ts';
import { type SimulationOptions, simulate } from '../../../src/simulator/run.ts';
import { JsonLinesSink } from '../../../src/simulator/sinks.ts';

/** What `pos simulate … --dry-run` writes for a backfill, made in this process. */
export async function dryRun(
  options: Partial<Pick<SimulationOptions, 'sizes' | 'threads'>> & {
    seed: number;
    count: number;
    start?: string;
    days?: number;
    chain?: ChainName;
    contract?: SchemaVersion;
  },
): Promise<Buffer> {
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
    ...(options.chain ? { chain: options.chain } : {}),
    ...(options.contract ? { contract: options.contract } : {}),
    // The CLI's defaults for a backfill.
    mode: { kind: 'backfill', count: options.count, startDate: options.start ?? '2026-01-01', days: options.days ?? 30 },
    sink: new JsonLinesSink(output),
    threads: options.threads ?? 0,
  });
  return Buffer.concat(chunks);
}

export function messages<T>(bytes: Buffer): T[] {
  return bytes
    .toString()
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as T);
}
