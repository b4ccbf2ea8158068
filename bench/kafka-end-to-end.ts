import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { BROKER_POM, ensureKafkaDistribution } from '../src/broker/distribution.ts';
import { findJava } from '../src/broker/java.ts';
import { findProgram, runProgram } from '../src/plumbing/programs.ts';

/** Kafka's own EndToEndLatency tool's figures, in ms. */
export interface KafkaEndToEnd {
  records: number;
  recordSize: number;
  p50: number;
  p99: number;
  p999: number;
  average: number;
}

/**
 * Runs Kafka's own `org.apache.kafka.tools.EndToEndLatency` against `bootstrap` (acks=all, one
 * record at a time: produced, consumed, then the next): the Kafka hop alone, the floor of any
 * consumer's latency on this machine today. Its jar (kafka-tools, not part of the broker) is
 * fetched once with Maven beside the broker's cached jars, whose classpath it shares.
 */
export async function kafkaEndToEndLatency(
  bootstrap: string,
  topic: string,
  records: number,
  recordSize: number,
): Promise<KafkaEndToEnd> {
  const { version, libDir } = await ensureKafkaDistribution();
  const toolsJar = await ensureToolsJar(version, join(dirname(libDir), 'tools'));
  const java = await findJava();
  const { stdout } = await runProgram(
    java.executable,
    [
      '-Xmx256m',
      '-cp',
      `${libDir}/*:${toolsJar}`,
      'org.apache.kafka.tools.EndToEndLatency',
      '--bootstrap-server',
      bootstrap,
      '--topic',
      topic,
      '--num-records',
      String(records),
      '--producer-acks',
      'all',
      '--record-size',
      String(recordSize),
    ],
    { timeoutMs: 10 * 60_000 },
  );
  return { records, recordSize, ...parseEndToEndOutput(stdout) };
}

/** `Avg latency: 1.2345 ms` and `Percentiles: 50th = 1, 99th = 4, 99.9th = 9` → their numbers. */
export function parseEndToEndOutput(output: string): { p50: number; p99: number; p999: number; average: number } {
  const average = /Avg latency: ([\d.]+) ms/.exec(output)?.[1];
  const percentiles = /50th = ([\d.]+), 99th = ([\d.]+), 99\.9th = ([\d.]+)/.exec(output);
  if (!average || !percentiles) throw new Error(`EndToEndLatency printed no figures:\n${output.slice(-2000)}`);
  return { average: Number(average), p50: Number(percentiles[1]), p99: Number(percentiles[2]), p999: Number(percentiles[3]) };
}

async function ensureToolsJar(version: string, folder: string): Promise<string> {
  const jar = join(folder, `kafka-tools-${version}.jar`);
  if (existsSync(jar)) return jar;
  const mvn = findProgram('mvn');
  if (!mvn) throw new Error(`Kafka's EndToEndLatency tool needs ${jar}: install Maven to fetch it from Maven Central`);
  await mkdir(folder, { recursive: true });
  await runProgram(
    mvn,
    [
      '-B',
      '-q',
      '-f',
      BROKER_POM,
      'dependency:copy',
      `-Dartifact=org.apache.kafka:kafka-tools:${version}`,
      `-DoutputDirectory=${folder}`,
      '-Dmdep.overWriteIfNewer=true',
    ],
    { timeoutMs: 10 * 60_000 },
  );
  return jar;
}
