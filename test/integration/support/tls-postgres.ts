import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findFreePort } from '../../../src/broker/local-broker.ts';
import { runProgram } from '../../../src/plumbing/programs.ts';
import { makeAuthority, openSsl, signCertificate } from '../../../src/tls/certificates.ts';

/**
 * A PostgreSQL server of the test's own, with TLS on: its own data directory and port, a CA and a
 * server certificate made with openssl for 127.0.0.1 and localhost, and only `hostssl` entries
 * in pg_hba.conf (SCRAM passwords), so that a plaintext connection is refused. It listens on
 * 127.0.0.2 too, an address the certificate does not name.
 *
 * It uses the Debian/Ubuntu server binaries (postgresql-<version> under /usr/lib/postgresql, or
 * POS_TEST_PG_BIN); initdb refuses to run as root, so as root they run as the OS user `postgres`.
 */
export interface TlsPostgres {
  port: number;
  /** The superuser, with a SCRAM password. */
  user: string;
  password: string;
  /** The CA that signed the server's certificate, and one that did not. */
  caFile: string;
  wrongCaFile: string;
  /** The server's log, to check for secrets. */
  log(): string;
  stop(): Promise<void>;
}

const OS_USER = 'postgres';

/** The folder of initdb and pg_ctl, or an error that says what to install. */
export function serverBinaries(): string {
  const configured = process.env.POS_TEST_PG_BIN;
  const root = '/usr/lib/postgresql';
  const candidates = configured
    ? [configured]
    : existsSync(root)
      ? readdirSync(root)
          .sort((a, b) => Number(b) - Number(a))
          .map((version) => join(root, version, 'bin'))
      : [];
  const found = candidates.find((dir) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl')));
  if (!found) {
    throw new Error(
      `The TLS tests start a PostgreSQL server of their own and need initdb and pg_ctl: none in ${configured ?? `${root}/<version>/bin`}. Install the server package (Debian/Ubuntu: postgresql-15 or newer) or set POS_TEST_PG_BIN to the folder that has them.`,
    );
  }
  return found;
}

export async function startTlsPostgres(): Promise<TlsPostgres> {
  const bin = serverBinaries();
  const asRoot = process.getuid?.() === 0;
  const folder = mkdtempSync(join(tmpdir(), 'pos-tls-pg-'));
  const data = join(folder, 'data');
  const logFile = join(folder, 'server.log');
  const owner = asRoot ? osUser(OS_USER) : undefined;
  const run = (program: string, args: string[]) =>
    runProgram(asRoot ? 'runuser' : join(bin, program), asRoot ? ['-u', OS_USER, '--', join(bin, program), ...args] : args, {
      timeoutMs: 120_000,
    });

  await makeCertificates(folder);
  const user = 'pos_tls';
  const password = `tls-${randomBytes(12).toString('hex')}`;
  const passwordFile = join(folder, 'password');
  writeFileSync(passwordFile, password, { mode: 0o600 });
  chmodSync(join(folder, 'server.key'), 0o600);
  if (owner) for (const file of [folder, passwordFile, join(folder, 'server.key')]) chownSync(file, owner.uid, owner.gid);

  await run('initdb', [
    '-D',
    data,
    '-U',
    user,
    `--pwfile=${passwordFile}`,
    '--auth-local=trust',
    '--auth-host=scram-sha-256',
    '--no-sync',
  ]);
  rmSync(passwordFile);
  const port = await findFreePort();
  writeFileSync(join(data, 'pg_hba.conf'), 'local all all trust\nhostssl all all 127.0.0.0/8 scram-sha-256\n');
  const settings = {
    port: String(port),
    listen_addresses: "'127.0.0.1,127.0.0.2'",
    unix_socket_directories: `'${folder}'`,
    ssl: 'on',
    ssl_cert_file: `'${join(folder, 'server.crt')}'`,
    ssl_key_file: `'${join(folder, 'server.key')}'`,
    password_encryption: "'scram-sha-256'",
    log_connections: 'on',
    fsync: 'off',
    shared_buffers: "'32MB'",
    max_connections: '30',
  };
  writeFileSync(
    join(data, 'postgresql.auto.conf'),
    Object.entries(settings)
      .map(([name, value]) => `${name} = ${value}\n`)
      .join(''),
  );
  if (owner) for (const file of ['pg_hba.conf', 'postgresql.auto.conf']) chownSync(join(data, file), owner.uid, owner.gid);
  // pg_ctl -w returns once the server accepts connections (or fails with its log).
  await run('pg_ctl', ['-D', data, '-l', logFile, '-w', '-t', '60', 'start']);

  return {
    port,
    user,
    password,
    caFile: join(folder, 'ca.crt'),
    wrongCaFile: join(folder, 'wrong-ca.crt'),
    log: () => readFileSync(logFile, 'utf8'),
    async stop() {
      try {
        await run('pg_ctl', ['-D', data, '-m', 'fast', '-w', '-t', '60', 'stop']);
      } finally {
        rmSync(folder, { recursive: true, force: true });
      }
    },
  };
}

/** A CA, a server certificate it signs for 127.0.0.1 and localhost, and a second CA that signed nothing here. */
async function makeCertificates(folder: string): Promise<void> {
  const openssl = openSsl('openssl');
  const authority = { key: join(folder, 'ca.key'), cert: join(folder, 'ca.crt') };
  await makeAuthority(openssl, { ...authority, subject: 'pos test ca', days: 2 });
  await makeAuthority(openssl, {
    key: join(folder, 'wrong-ca.key'),
    cert: join(folder, 'wrong-ca.crt'),
    subject: 'pos test wrong-ca',
    days: 2,
  });
  await signCertificate(openssl, authority, {
    name: '127.0.0.1',
    key: join(folder, 'server.key'),
    cert: join(folder, 'server.crt'),
    days: 2,
    extensions: 'subjectAltName = IP:127.0.0.1, DNS:localhost\n',
  });
}

function osUser(name: string): { uid: number; gid: number } {
  const id = (flag: string) => Number(execFileSync('id', [flag, name], { encoding: 'utf8' }).trim());
  try {
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    throw new Error(`The TLS tests run as root, so they run PostgreSQL as the OS user "${name}", which does not exist.`);
  }
}
