import { readFileSync } from 'node:fs';
import type { ConnectionOptions, PeerCertificate } from 'node:tls';
import type { ServerDatabaseConfig } from '../plumbing/config.ts';
import type { Environment } from '../plumbing/environment.ts';
import { errorMessage, UserError } from '../plumbing/errors.ts';
import { isLoopbackHost } from '../plumbing/hosts.ts';
import { type DatabaseTls, type SslMode, SYSTEM_CAS } from './tls-settings.ts';

/**
 * What the TLS settings (tls-settings.ts, libpq's sslmode semantics) mean to node-postgres and to
 * libpq's tools (pg_dump, pg_restore), and what a failed handshake means to the user.
 */

/** node-postgres' `ssl` option for these settings: false for no TLS, else Node's TLS options. */
export function driverTls(tls: DatabaseTls): false | ConnectionOptions {
  if (tls.mode === 'disable') return false;
  const clientCertificate = tls.cert && tls.key ? { cert: readPem(tls.cert), key: readPem(tls.key) } : {};
  const ca = tls.rootCert && tls.rootCert !== SYSTEM_CAS ? { ca: readPem(tls.rootCert) } : {};
  // require with a CA file is verify-ca in libpq; prefer never checks.
  const verify = tls.mode === 'verify-ca' || tls.mode === 'verify-full' || (tls.mode === 'require' && tls.rootCert);
  if (!verify) return { ...clientCertificate, rejectUnauthorized: false };
  return {
    ...clientCertificate,
    ...ca,
    rejectUnauthorized: true,
    // verify-ca: the chain is checked, the name is not. verify-full keeps Node's host name check.
    ...(tls.mode === 'verify-full' ? {} : { checkServerIdentity: () => undefined }),
  };
}

function readPem(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new UserError(`Cannot read ${path}: ${errorMessage(error)}.`, {
      hint: 'Check the PG_SSL* settings or the ssl* parameters of DATABASE_URL.',
    });
  }
}

/** The same settings for a libpq program, as its environment (the URL given to it carries none). */
export function libpqTlsEnvironment(tls: DatabaseTls): Environment {
  return {
    PGSSLMODE: tls.mode,
    PGSSLROOTCERT: tls.rootCert,
    PGSSLCERT: tls.cert,
    PGSSLKEY: tls.key,
  };
}

/** The variables libpq reads that pos sets itself: stripped from a tool's inherited environment first. */
export const LIBPQ_TLS_VARIABLES = ['PGSSLMODE', 'PGSSLROOTCERT', 'PGSSLCERT', 'PGSSLKEY', 'PGSSLCRL', 'PGREQUIRESSL'];

/**
 * Whether a session is worth a warning: sslmode=prefer (set, or libpq's default) found a server
 * without TLS and went on in plaintext, to another machine, where someone between can read it.
 * `disable` is a choice made knowingly; to this machine nothing crosses a network.
 */
export function warnsOfPlaintext(session: { host: string; mode: SslMode; encrypted: boolean }): boolean {
  return session.mode === 'prefer' && !session.encrypted && !isLoopbackHost(session.host);
}

/** True when the server answered the TLS request with "no": libpq's prefer then connects without TLS. */
export function serverRefusedTls(error: unknown): boolean {
  return /does not support SSL/i.test(errorMessage(error));
}

/** Node's reason, without its advice about --use-system-ca (the CA in use is sslrootcert's). */
function nodeReason(error: unknown): string {
  return errorMessage(error).split(';')[0] ?? '';
}

const UNTRUSTED_CHAIN = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
]);
const OUT_OF_DATE = new Set(['CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID']);

/** A failed TLS connection explained: the server, the sslmode, the CA in use, and what did not match; else undefined. */
export function explainTlsError(error: unknown, config: ServerDatabaseConfig, where: string): UserError | undefined {
  const { tls } = config;
  const mode = `sslmode=${tls.mode} (${tls.origin.mode})`;
  const ca =
    tls.rootCert === SYSTEM_CAS
      ? 'the public CAs that Node.js trusts (sslrootcert=system)'
      : tls.rootCert
        ? `the CA file ${tls.rootCert} (${tls.origin.rootCert})`
        : 'no CA file';
  const code = (error as { code?: unknown }).code;
  if (serverRefusedTls(error)) {
    return new UserError(`${where} does not accept TLS connections, and ${mode} requires TLS.`, {
      hint: 'Turn ssl on in the server (postgresql.conf), or choose sslmode=prefer or disable if the network between is trusted.',
      cause: error,
    });
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    const names = (error as { cert?: PeerCertificate }).cert?.subjectaltname ?? 'no subject alternative names';
    return new UserError(
      `${where}: the server's certificate is not for "${config.host}", the host connected to: it names ${names}. ${mode} checks that the certificate names the host; it was checked against ${ca}.`,
      {
        hint: `Connect by a name the certificate lists, or give the server a certificate for ${config.host}; sslmode=verify-ca checks the CA but not the name.`,
        cause: error,
      },
    );
  }
  if (typeof code === 'string' && UNTRUSTED_CHAIN.has(code)) {
    return new UserError(
      `${where}: the server's certificate is not signed by ${ca}, so ${mode} refuses it (${nodeReason(error)}).`,
      {
        hint: "Set PG_SSLROOTCERT (or sslrootcert in DATABASE_URL) to the CA that issued the server's certificate.",
        cause: error,
      },
    );
  }
  if (typeof code === 'string' && OUT_OF_DATE.has(code)) {
    return new UserError(`${where}: the server's certificate is not valid now (${nodeReason(error)}); ${mode} refuses it.`, {
      hint: 'Renew the server certificate, and check the clocks of both machines.',
      cause: error,
    });
  }
  return undefined;
}
