import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ensureKafkaDistribution, pinnedKafkaVersion } from '../../src/broker/distribution.ts';
import { UserError } from '../../src/plumbing/errors.ts';

/**
 * Without Maven, the jars come from Apache's release tarball, checked against its SHA-512.
 * A local HTTP server plays the mirror, serving a small tarball laid out like the real one.
 */
describe('without Maven, pos kafka up falls back to the release tarball', () => {
  const version = pinnedKafkaVersion();
  const name = `kafka_2.13-${version}`;
  let work: string;
  let server: Server;
  let mirror: string;
  const requests: string[] = [];
  let tarball: Buffer;
  let published: string;

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'pos-tarball-'));
    await mkdir(join(work, 'release', name, 'libs'), { recursive: true });
    await writeFile(join(work, 'release', name, 'libs', 'kafka-server.jar'), 'not really a jar');
    execFileSync('tar', ['-czf', join(work, 'release.tgz'), '-C', join(work, 'release'), name]);
    tarball = readFileSync(join(work, 'release.tgz'));
    const digest = createHash('sha512').update(tarball).digest('hex').toUpperCase();
    published = `${name}.tgz: ${digest.match(/.{8}/g)?.join(' ')}\n`;
    server = createServer((request, response) => {
      requests.push(request.url ?? '');
      if (request.url === `/kafka/${version}/${name}.tgz`) response.end(tarball);
      else if (request.url === `/kafka/${version}/${name}.tgz.sha512`) response.end(published);
      else response.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    mirror = `http://127.0.0.1:${(server.address() as AddressInfo).port}/kafka`;
  });
  after(async () => {
    server.close();
    await rm(work, { recursive: true, force: true });
  });

  const provision = (cacheDir: string) =>
    ensureKafkaDistribution({ env: { PATH: '/nonexistent', POS_CACHE_DIR: cacheDir }, mirrors: [`${mirror}/missing`, mirror] });

  test('downloads, verifies and caches the jars, trying the next mirror when one fails; a second run downloads nothing', async () => {
    const cacheDir = join(work, 'cache');
    const distribution = await provision(cacheDir);
    assert.equal(distribution.version, version);
    assert.deepEqual(readdirSync(distribution.libDir), ['kafka-server.jar']);
    assert.ok(requests.some((url) => url.startsWith('/kafka/missing/')));
    const downloads = requests.length;
    await provision(cacheDir);
    assert.equal(requests.length, downloads);
  });

  test('a tarball that does not match its SHA-512 is refused and nothing is cached', async () => {
    const cacheDir = join(work, 'cache-tampered');
    published = `${'0'.repeat(128)}  ${name}.tgz\n`;
    await assert.rejects(
      provision(cacheDir),
      (error: unknown) => error instanceof UserError && /SHA-512 mismatch/.test(error.message),
    );
    assert.equal(existsSync(join(cacheDir, `kafka-${version}`)), false);
  });
});
