import { accessSync, constants, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Environment } from '../plumbing/environment.ts';
import { ConfigError } from '../plumbing/errors.ts';

/**
 * TLS to a PostgreSQL server, with libpq's sslmode semantics (not node-postgres' own, which
 * treats `require` like `verify-full`), so that `pos`, psql and pg_dump agree on what a mode means:
 *
 * - `disable`: no TLS;
 * - `prefer` (libpq's default and ours): TLS if the server offers it, else plaintext; nothing checked;
 * - `require`: TLS, the certificate not checked, unless a CA is given: then as `verify-ca`;
 * - `verify-ca`: TLS, the certificate signed by the CA in `sslrootcert`;
 * - `verify-full`: as `verify-ca`, and the certificate names the host connected to.
 */
export const SSL_MODES = ['disable', 'prefer', 'require', 'verify-ca', 'verify-full'] as const;
export type SslMode = (typeof SSL_MODES)[number];

/** `sslrootcert=system`: the public CAs (libpq 16's spelling); only with verify-full, as libpq insists. */
export const SYSTEM_CAS = 'system';

export interface DatabaseTls {
  mode: SslMode;
  /** The CA file that vouches for the server, or `system`; undefined when none applies. */
  rootCert: string | undefined;
  /** A client certificate and its key, for servers that ask for one (pg_hba `cert`, `clientcert=`). */
  cert: string | undefined;
  key: string | undefined;
  /** Where each setting came from, as messages name it: `PG_SSLMODE`, `sslmode in DATABASE_URL`, `the default`. */
  origin: { mode: string; rootCert: string; cert: string; key: string };
}

export const DEFAULT_TLS: DatabaseTls = {
  mode: 'prefer',
  rootCert: undefined,
  cert: undefined,
  key: undefined,
  origin: { mode: 'the default', rootCert: 'the default', cert: 'the default', key: 'the default' },
};

const SETTINGS = [
  { field: 'mode', parameter: 'sslmode', variable: 'PG_SSLMODE' },
  { field: 'rootCert', parameter: 'sslrootcert', variable: 'PG_SSLROOTCERT' },
  { field: 'cert', parameter: 'sslcert', variable: 'PG_SSLCERT' },
  { field: 'key', parameter: 'sslkey', variable: 'PG_SSLKEY' },
] as const;

/** The variables that configure TLS: any one of them set means a server, as PG_HOST and the like do. */
export const TLS_VARIABLES = SETTINGS.map((setting) => setting.variable);
/** The DATABASE_URL parameters this module owns: taken out of the URL before it reaches a driver or a tool. */
export const TLS_PARAMETERS = SETTINGS.map((setting) => setting.parameter);

/** node-postgres' own TLS switches, whose meaning differs from libpq's: refused, with what to write instead. */
const FOREIGN_PARAMETERS: Record<string, string> = {
  ssl: 'Use sslmode=verify-full (what ssl=true meant to node-postgres) or another sslmode.',
  uselibpqcompat: 'Remove it: pos always follows libpq for sslmode.',
};

/**
 * The TLS settings from DATABASE_URL's parameters (`url`), else PG_SSLMODE, PG_SSLROOTCERT, PG_SSLCERT
 * and PG_SSLKEY (as libpq lets PGSSLMODE fill what a URL leaves out). Paths are relative to `cwd`.
 */
export function parseDatabaseTls(env: Environment, url: URL | undefined, cwd: string): DatabaseTls {
  for (const [parameter, hint] of Object.entries(FOREIGN_PARAMETERS)) {
    if (url?.searchParams.has(parameter))
      throw new ConfigError(`DATABASE_URL has the parameter ${parameter}, which pos does not take.`, hint);
  }
  const values: Partial<Record<(typeof SETTINGS)[number]['field'], string>> = {};
  const origin = { ...DEFAULT_TLS.origin };
  for (const { field, parameter, variable } of SETTINGS) {
    const fromUrl = url?.searchParams.get(parameter)?.trim();
    const fromEnv = env[variable]?.trim();
    if (fromUrl) {
      values[field] = fromUrl;
      origin[field] = `${parameter} in DATABASE_URL`;
    } else if (fromEnv) {
      values[field] = fromEnv;
      origin[field] = variable;
    }
  }

  const mode = values.mode ?? DEFAULT_TLS.mode;
  if (!isSslMode(mode)) {
    throw new ConfigError(
      `${origin.mode} is "${mode}", which is not an sslmode.`,
      `Use one of ${SSL_MODES.join(', ')} (libpq's meanings; node-postgres' no-verify is require).`,
    );
  }
  const file = (field: 'rootCert' | 'cert' | 'key') => {
    const value = values[field];
    if (value === undefined || (field === 'rootCert' && value === SYSTEM_CAS)) return value;
    return readableFile(resolve(cwd, value), origin[field]);
  };
  let rootCert = file('rootCert');
  const cert = file('cert');
  const key = file('key');
  if ((cert === undefined) !== (key === undefined)) {
    const [given, missing] = cert === undefined ? ['key', 'cert'] : ['cert', 'key'];
    throw new ConfigError(
      `A client certificate needs both sslcert and sslkey; ${origin[given as 'cert' | 'key']} is set, but no ssl${missing}.`,
      `Set PG_SSL${missing.toUpperCase()} (or ssl${missing} in DATABASE_URL) too.`,
    );
  }
  // libpq's default CA file, used when it exists (and needed by the verifying modes).
  const defaultRootCert = env.HOME ? join(env.HOME, '.postgresql', 'root.crt') : undefined;
  if (rootCert === undefined && defaultRootCert && existsSync(defaultRootCert) && mode !== 'disable') {
    rootCert = defaultRootCert;
    origin.rootCert = `libpq's default CA file ${defaultRootCert}`;
  }
  if ((mode === 'verify-ca' || mode === 'verify-full') && rootCert === undefined) {
    throw new ConfigError(
      `sslmode=${mode} (${origin.mode}) checks the server's certificate against a CA, and no CA is set.`,
      `Set PG_SSLROOTCERT (or sslrootcert in DATABASE_URL) to the CA certificate's file${mode === 'verify-full' ? `, or to "${SYSTEM_CAS}" to trust the public CAs` : ''}.`,
    );
  }
  if (rootCert === SYSTEM_CAS && mode !== 'verify-full') {
    throw new ConfigError(
      `sslrootcert=${SYSTEM_CAS} (${origin.rootCert}) trusts every public CA, so it needs sslmode=verify-full, not ${mode}.`,
      'Set sslmode=verify-full, as libpq requires, or name a CA file.',
    );
  }
  return { mode, rootCert, cert, key, origin };
}

function isSslMode(value: string): value is SslMode {
  return (SSL_MODES as readonly string[]).includes(value);
}

function readableFile(path: string, origin: string): string {
  try {
    accessSync(path, constants.R_OK);
  } catch {
    throw new ConfigError(`${origin} names ${path}, which does not exist or cannot be read.`, 'Name a readable PEM file.');
  }
  return path;
}

/** DATABASE_URL without the TLS parameters, which pos passes to drivers and tools itself. */
export function withoutTlsParameters(url: string): string {
  const parsed = new URL(url);
  for (const parameter of TLS_PARAMETERS) parsed.searchParams.delete(parameter);
  return parsed.toString();
}
