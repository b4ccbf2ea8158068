import { randomBytes } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Environment } from '../plumbing/environment.ts';
import { runProgram } from '../plumbing/programs.ts';

/** A private certificate authority: its key and its self-signed certificate (PEM files). */
export interface Authority {
  key: string;
  cert: string;
}

/** openssl, run with these arguments. */
export type OpenSsl = (args: string[]) => Promise<unknown>;

/** openssl at `path`, with a deadline. */
export function openSsl(path: string, env?: Environment): OpenSsl {
  return (args) => runProgram(path, args, { ...(env ? { env } : {}), timeoutMs: 60_000 });
}

const NEW_KEY = ['-newkey', 'rsa:2048', '-noenc'];

/** Makes a certificate authority that may sign certificates and nothing else. */
export async function makeAuthority(openssl: OpenSsl, authority: Authority & { subject: string; days: number }): Promise<void> {
  await openssl([
    'req',
    '-x509',
    ...NEW_KEY,
    '-keyout',
    authority.key,
    '-out',
    authority.cert,
    '-days',
    String(authority.days),
    '-subj',
    `/CN=${authority.subject}`,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
}

/**
 * Makes a key and a certificate for `name` signed by `authority`, with these X.509 extensions
 * (an openssl extension file's lines: subjectAltName, extendedKeyUsage, …).
 */
export async function signCertificate(
  openssl: OpenSsl,
  authority: Authority,
  certificate: { name: string; key: string; cert: string; days: number; extensions: string },
): Promise<void> {
  const request = join(dirname(certificate.cert), `${certificate.name}.csr`);
  const extensionFile = join(dirname(certificate.cert), `${certificate.name}.ext`);
  await writeFile(extensionFile, certificate.extensions);
  try {
    await openssl(['req', ...NEW_KEY, '-keyout', certificate.key, '-out', request, '-subj', `/CN=${certificate.name}`]);
    await openssl([
      'x509',
      '-req',
      '-in',
      request,
      '-CA',
      authority.cert,
      '-CAkey',
      authority.key,
      '-set_serial',
      `0x${randomBytes(8).toString('hex')}`,
      '-days',
      String(certificate.days),
      '-out',
      certificate.cert,
      '-extfile',
      extensionFile,
    ]);
  } finally {
    await rm(request, { force: true });
    await rm(extensionFile, { force: true });
  }
}
