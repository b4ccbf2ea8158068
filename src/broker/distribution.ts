import { createHash } from 'node:crypto';
import { createWriteStream, existsSync, readFileSync } from 'node:fs';
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import type { Environment } from '../plumbing/environment.ts';
import { errorMessage, UserError } from '../plumbing/errors.ts';
import { type Logger, silentLogger } from '../plumbing/logger.ts';
import { findProgram, runProgram } from '../plumbing/programs.ts';

/** The Maven project that names the broker's jars; also where the pinned Kafka version is written. */
export const BROKER_POM = fileURLToPath(new URL('../../kafka/pom.xml', import.meta.url));

/** Apache's download site, then its archive (where older releases move). */
export const DEFAULT_MIRRORS = ['https://downloads.apache.org/kafka', 'https://archive.apache.org/dist/kafka'];

export interface KafkaDistribution {
  version: string;
  /** Folder of the broker's jars: the classpath is `<libDir>/*`. */
  libDir: string;
}

export interface ProvisionOptions {
  env?: Environment;
  logger?: Logger;
  /** Base URLs of Apache Kafka release folders, for the tarball fallback; default POS_KAFKA_MIRROR or Apache's. */
  mirrors?: string[];
}

export function pinnedKafkaVersion(): string {
  return readPomProperty('kafka.version');
}

function readPomProperty(name: string): string {
  const pom = readFileSync(BROKER_POM, 'utf8');
  const value = new RegExp(`<${name.replaceAll('.', '\\.')}>([^<]+)</`).exec(pom)?.[1];
  if (!value) throw new Error(`${BROKER_POM} has no <${name}> property`);
  return value.trim();
}

function cacheRoot(env: Environment = process.env): string {
  if (env.POS_CACHE_DIR) return env.POS_CACHE_DIR;
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'pos-pipeline');
}

/**
 * The pinned Kafka version's jars, from the cache if a previous run put them there, else fetched
 * once: with Maven from Maven Central, or, without Maven, the release tarball from Apache checked
 * against its published SHA-512. A half-finished fetch never counts as cached.
 */
export async function ensureKafkaDistribution(options: ProvisionOptions = {}): Promise<KafkaDistribution> {
  const env = options.env ?? process.env;
  const logger = options.logger ?? silentLogger;
  const version = pinnedKafkaVersion();
  const home = join(cacheRoot(env), `kafka-${version}`);
  const distribution = { version, libDir: join(home, 'libs') };
  if (existsSync(join(home, '.complete'))) {
    logger.debug({ libDir: distribution.libDir }, 'Kafka jars found in the cache');
    return distribution;
  }

  const staging = `${home}.partial-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  try {
    const mvn = findProgram('mvn', env);
    if (mvn) {
      logger.info({ version }, 'Fetching the Apache Kafka broker jars from Maven Central (first run only)');
      await fetchWithMaven(mvn, join(staging, 'libs'), env);
    } else {
      logger.info({ version }, 'Maven not found: downloading the Apache Kafka release tarball (first run only)');
      await fetchReleaseTarball(version, staging, options.mirrors ?? mirrorsFrom(env), logger);
    }
    await writeFile(join(staging, '.complete'), `${new Date().toISOString()}\n`);
    await rm(home, { recursive: true, force: true });
    await rename(staging, home);
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    // Another process may have finished the same fetch meanwhile.
    if (existsSync(join(home, '.complete'))) return distribution;
    throw error;
  }
  logger.info({ libDir: distribution.libDir }, 'Kafka jars cached');
  return distribution;
}

function mirrorsFrom(env: Environment): string[] {
  const configured = env.POS_KAFKA_MIRROR?.split(',').map((url) => url.trim());
  return configured?.filter(Boolean).length ? configured.filter(Boolean) : DEFAULT_MIRRORS;
}

async function fetchWithMaven(mvn: string, libDir: string, env: Environment): Promise<void> {
  const args = ['-B', '-q', '-Dstyle.color=never', '-f', BROKER_POM, 'dependency:copy-dependencies'];
  args.push(`-DoutputDirectory=${libDir}`, '-DincludeScope=runtime');
  try {
    await runProgram(mvn, args, { env, timeoutMs: 15 * 60_000 });
  } catch (error) {
    throw new UserError(`Maven could not fetch the Kafka broker jars: ${errorMessage(error)}`, {
      hint: 'Check that Maven reaches Maven Central (or your mirror in ~/.m2/settings.xml), or set KAFKA_BROKERS to use an existing Kafka cluster.',
    });
  }
}

async function fetchReleaseTarball(version: string, staging: string, mirrors: string[], logger: Logger) {
  const name = `kafka_2.13-${version}`;
  const tarball = join(staging, `${name}.tgz`);
  const failures: string[] = [];
  for (const mirror of mirrors) {
    const url = `${mirror.replace(/\/+$/, '')}/${version}/${name}.tgz`;
    try {
      const expected = parseSha512File(await (await httpGet(`${url}.sha512`)).text());
      const actual = await download(url, tarball, logger);
      if (actual !== expected) {
        throw new Error(`SHA-512 mismatch: expected ${expected}, got ${actual}`);
      }
      await runProgram('tar', ['-xzf', tarball, '-C', staging]);
      await rename(join(staging, name, 'libs'), join(staging, 'libs'));
      await rm(join(staging, name), { recursive: true, force: true });
      await rm(tarball, { force: true });
      if ((await readdir(join(staging, 'libs'))).length === 0) throw new Error(`${name}.tgz has no jars in libs/`);
      return;
    } catch (error) {
      failures.push(`${url}: ${errorMessage(error)}`);
      await rm(tarball, { force: true });
      await rm(join(staging, name), { recursive: true, force: true });
    }
  }
  throw new UserError(`Could not download Apache Kafka ${version}:\n  ${failures.join('\n  ')}`, {
    hint: 'Install Maven (the jars then come from Maven Central), set POS_KAFKA_MIRROR to a reachable Apache mirror, or set KAFKA_BROKERS to use an existing Kafka cluster.',
  });
}

async function httpGet(url: string): Promise<Response> {
  const response = await fetch(url, { signal: AbortSignal.timeout(10 * 60_000) });
  if (!response.ok || !response.body) throw new Error(`HTTP ${response.status} ${response.statusText}`);
  return response;
}

/** Streams `url` to `file` and returns the hex SHA-512 of what was written. */
async function download(url: string, file: string, logger: Logger): Promise<string> {
  const response = await httpGet(url);
  const total = Number(response.headers.get('content-length')) || undefined;
  const hash = createHash('sha512');
  let received = 0;
  let lastReport = Date.now();
  const body = Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>);
  await pipeline(
    body,
    async function* hashAndReport(chunks: AsyncIterable<Buffer>) {
      for await (const chunk of chunks) {
        hash.update(chunk);
        received += chunk.length;
        if (Date.now() - lastReport > 2000) {
          lastReport = Date.now();
          logger.info({ receivedMB: Math.round(received / 1e6), totalMB: total && Math.round(total / 1e6) }, 'Downloading');
        }
        yield chunk;
      }
    },
    createWriteStream(file),
  );
  return hash.digest('hex');
}

/**
 * Apache publishes either `sha512sum` output (`<hex>  <file>`) or GnuPG's `--print-md` form
 * (`<file>: 8-digit groups over several lines`, upper case).
 */
export function parseSha512File(text: string): string {
  const plain = /^\s*([0-9a-fA-F]{128})(\s|$)/.exec(text);
  const hex = plain?.[1] ?? text.slice(text.indexOf(':') + 1).replace(/\s+/g, '');
  if (!/^[0-9a-fA-F]{128}$/.test(hex)) throw new Error('the .sha512 file holds no SHA-512 digest');
  return hex.toLowerCase();
}
