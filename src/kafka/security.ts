import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Environment } from '../plumbing/environment.ts';
import { ConfigError } from '../plumbing/errors.ts';

/**
 * How `pos` authenticates to Kafka and protects the connection: from a client properties file
 * (`--kafka-config FILE` / KAFKA_CONFIG, the format Kafka's tools and Confluent Cloud hand out)
 * and the KAFKA_SECURITY_* / KAFKA_SASL_* / KAFKA_SSL_* variables, which override the file.
 */
export const SECURITY_PROTOCOLS = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'] as const;
export type SecurityProtocol = (typeof SECURITY_PROTOCOLS)[number];
export const SASL_MECHANISMS = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'] as const;
export type SaslMechanism = (typeof SASL_MECHANISMS)[number];

export interface KafkaSecurity {
  protocol: SecurityProtocol;
  /** Set for SASL_PLAINTEXT and SASL_SSL. */
  sasl?: { mechanism: SaslMechanism; username: string; password: string };
  /** Set for SSL and SASL_SSL: PEM files (absolute paths); without a CA, the system's CAs. */
  tls?: { caFile?: string; certFile?: string; keyFile?: string };
}

export const PLAINTEXT: KafkaSecurity = { protocol: 'PLAINTEXT' };

/** Where clients connect and how: what every Kafka client of `pos` is built from (src/kafka/clients.ts). */
export interface KafkaConnection {
  /** Bootstrap brokers as `host:port`. */
  brokers: string[];
  security: KafkaSecurity;
}

/**
 * Keys of a client properties file that `pos` accepts and ignores: tuning of Java clients, and the
 * Schema Registry settings Confluent Cloud puts in the same file. Any other unknown key is an error.
 */
export const IGNORED_PROPERTIES = [
  'client.dns.lookup',
  'client.id',
  'session.timeout.ms',
  'request.timeout.ms',
  'retry.backoff.ms',
  'reconnect.backoff.ms',
  'reconnect.backoff.max.ms',
  'acks',
  'linger.ms',
  'batch.size',
  'compression.type',
  'enable.idempotence',
  'ssl.endpoint.identification.algorithm',
  'schema.registry.url',
  'basic.auth.credentials.source',
  'basic.auth.user.info',
];

const KNOWN_PROPERTIES = [
  'bootstrap.servers',
  'security.protocol',
  'sasl.mechanism',
  'sasl.mechanisms',
  'sasl.jaas.config',
  'sasl.username',
  'sasl.password',
  'ssl.ca.location',
  'ssl.truststore.location',
  'ssl.truststore.type',
  'ssl.certificate.location',
  'ssl.key.location',
];

/** The environment variables, in the order the README lists them. */
export const SECURITY_VARIABLES = [
  'KAFKA_SECURITY_PROTOCOL',
  'KAFKA_SASL_MECHANISM',
  'KAFKA_SASL_USERNAME',
  'KAFKA_SASL_PASSWORD',
  'KAFKA_SSL_CA_FILE',
  'KAFKA_SSL_CERT_FILE',
  'KAFKA_SSL_KEY_FILE',
] as const;

/** Java properties: `key=value`, `key: value` or `key value`; `#`/`!` comments; `\` continues a line. */
export function parseProperties(text: string): Map<string, string> {
  const properties = new Map<string, string>();
  const lines = text.split(/\r?\n/);
  for (let index = 0; index < lines.length; index++) {
    let line = (lines[index] ?? '').trimStart();
    if (line === '' || line.startsWith('#') || line.startsWith('!')) continue;
    while (/(^|[^\\])(\\\\)*\\$/.test(line) && index + 1 < lines.length) {
      line = line.slice(0, -1) + (lines[++index] ?? '').trimStart();
    }
    const match = /^((?:\\.|[^\s:=\\])+)\s*[:=]?\s*(.*)$/.exec(line);
    if (!match?.[1]) continue;
    properties.set(unescapeProperty(match[1]), unescapeProperty(match[2] ?? '').trimEnd());
  }
  return properties;
}

function unescapeProperty(value: string): string {
  return value.replace(/\\(u[0-9a-fA-F]{4}|.)/g, (_, escaped: string) => {
    if (escaped.length === 5) return String.fromCharCode(Number.parseInt(escaped.slice(1), 16));
    return ({ t: '\t', n: '\n', r: '\r', f: '\f' } as Record<string, string>)[escaped] ?? escaped;
  });
}

/** The settings a properties file gives, by the names of the environment variables. */
interface SecuritySettings {
  bootstrapServers?: string;
  protocol?: string;
  mechanism?: string;
  username?: string;
  password?: string;
  caFile?: string;
  certFile?: string;
  keyFile?: string;
}

/** Reads a client properties file; paths in it are taken from the working directory, as Kafka's tools do. */
export function readClientProperties(file: string, cwd: string): SecuritySettings {
  let text: string;
  try {
    text = readFileSync(resolve(cwd, file), 'utf8');
  } catch (error) {
    throw new ConfigError(`Cannot read the Kafka client config ${file}: ${(error as Error).message}`);
  }
  return clientPropertiesSettings(parseProperties(text), file);
}

export function clientPropertiesSettings(properties: Map<string, string>, file: string): SecuritySettings {
  const settings: SecuritySettings = {};
  for (const key of properties.keys()) {
    if (IGNORED_PROPERTIES.includes(key)) continue;
    if (!KNOWN_PROPERTIES.includes(key)) {
      throw new ConfigError(
        `The Kafka client config ${file} has the key "${key}", which pos does not know.`,
        `Remove it. pos reads ${KNOWN_PROPERTIES.join(', ')} and ignores ${IGNORED_PROPERTIES.join(', ')}.`,
      );
    }
  }
  const get = (key: string) => {
    const value = properties.get(key)?.trim();
    return value === '' ? undefined : value;
  };
  const truststoreType = get('ssl.truststore.type');
  if (truststoreType !== undefined && truststoreType.toUpperCase() !== 'PEM') {
    throw new ConfigError(
      `The Kafka client config ${file} has ssl.truststore.type=${truststoreType}; pos reads PEM files only.`,
      'Convert the truststore to PEM (e.g. keytool -exportcert -rfc) and set ssl.truststore.type=PEM, or use ssl.ca.location.',
    );
  }
  const endpointIdentification = properties.get('ssl.endpoint.identification.algorithm');
  if (endpointIdentification !== undefined && !['', 'https'].includes(endpointIdentification.trim())) {
    throw new ConfigError(`The Kafka client config ${file} has ssl.endpoint.identification.algorithm=${endpointIdentification}.`);
  }
  const jaas = get('sasl.jaas.config');
  const fromJaas: { username?: string; password?: string } = jaas === undefined ? {} : parseJaasConfig(jaas, file);
  const assign = (name: keyof SecuritySettings, value: string | undefined) => {
    if (value !== undefined) settings[name] = value;
  };
  assign('bootstrapServers', get('bootstrap.servers'));
  assign('protocol', get('security.protocol'));
  assign('mechanism', get('sasl.mechanism') ?? get('sasl.mechanisms'));
  assign('username', get('sasl.username') ?? fromJaas.username);
  assign('password', get('sasl.password') ?? fromJaas.password);
  assign('caFile', get('ssl.ca.location') ?? get('ssl.truststore.location'));
  assign('certFile', get('ssl.certificate.location'));
  assign('keyFile', get('ssl.key.location'));
  return settings;
}

/** `…PlainLoginModule required username="U" password="P";` (or ScramLoginModule; either quote). */
export function parseJaasConfig(value: string, file: string): { username: string; password: string } {
  const module = /^\s*([\w.$]+)\s+required\b/.exec(value)?.[1] ?? '';
  if (!/(PlainLoginModule|ScramLoginModule)$/.test(module)) {
    throw new ConfigError(
      `The Kafka client config ${file} has a sasl.jaas.config with ${module ? `the login module ${module}` : 'no login module'}; pos supports PlainLoginModule and ScramLoginModule.`,
    );
  }
  const option = (name: string) =>
    new RegExp(`\\b${name}\\s*=\\s*(?:"((?:\\\\.|[^"\\\\])*)"|'((?:\\\\.|[^'\\\\])*)')`).exec(value);
  const username = option('username');
  const password = option('password');
  if (!username || !password) {
    // Never echo the value: it holds the password.
    throw new ConfigError(
      `The sasl.jaas.config in ${file} lacks a quoted username or password.`,
      'Use username="…" password="…".',
    );
  }
  const text = (match: RegExpExecArray) => (match[1] ?? match[2] ?? '').replace(/\\(.)/g, '$1');
  return { username: text(username), password: text(password) };
}

/**
 * The security settings: the file's (when `file` is set), overridden by the environment variables.
 * Returns the bootstrap servers the file names too.
 */
export function kafkaSecurityFrom(
  env: Environment,
  file: string | undefined,
  cwd: string,
): { security: KafkaSecurity; bootstrapServers: string | undefined } {
  const fromFile = file === undefined ? {} : readClientProperties(file, cwd);
  const where = (variable: string, key: string) => (file === undefined ? variable : `${variable} (or ${key} in ${file})`);
  const pick = (variable: (typeof SECURITY_VARIABLES)[number], name: keyof SecuritySettings) => {
    const value = env[variable]?.trim();
    return value ? value : fromFile[name];
  };
  const protocolText = pick('KAFKA_SECURITY_PROTOCOL', 'protocol')?.toUpperCase() ?? 'PLAINTEXT';
  if (!(SECURITY_PROTOCOLS as readonly string[]).includes(protocolText)) {
    throw new ConfigError(
      `${where('KAFKA_SECURITY_PROTOCOL', 'security.protocol')} is "${protocolText}", not a security protocol.`,
      `Use one of ${SECURITY_PROTOCOLS.join(', ')}.`,
    );
  }
  const protocol = protocolText as SecurityProtocol;
  const security: KafkaSecurity = { protocol };
  const username = pick('KAFKA_SASL_USERNAME', 'username');
  const password = pick('KAFKA_SASL_PASSWORD', 'password');
  const mechanismText = pick('KAFKA_SASL_MECHANISM', 'mechanism')?.toUpperCase();
  if (protocol.startsWith('SASL_')) {
    if (mechanismText === undefined || !(SASL_MECHANISMS as readonly string[]).includes(mechanismText)) {
      throw new ConfigError(
        `${where('KAFKA_SASL_MECHANISM', 'sasl.mechanism')} is ${mechanismText === undefined ? 'not set' : `"${mechanismText}"`}; ${protocol} needs one of ${SASL_MECHANISMS.join(', ')}.`,
      );
    }
    if (username === undefined || password === undefined) {
      throw new ConfigError(
        `${protocol} needs a user name and a password: ${where('KAFKA_SASL_USERNAME', 'sasl.jaas.config')} and KAFKA_SASL_PASSWORD.`,
      );
    }
    security.sasl = { mechanism: mechanismText as SaslMechanism, username, password };
  } else if (username !== undefined || password !== undefined || mechanismText !== undefined) {
    throw new ConfigError(
      `SASL settings are given but the security protocol is ${protocol}.`,
      'Set KAFKA_SECURITY_PROTOCOL (or security.protocol) to SASL_SSL or SASL_PLAINTEXT, or remove the SASL settings.',
    );
  }
  const caFile = pick('KAFKA_SSL_CA_FILE', 'caFile');
  const certFile = pick('KAFKA_SSL_CERT_FILE', 'certFile');
  const keyFile = pick('KAFKA_SSL_KEY_FILE', 'keyFile');
  if (protocol.endsWith('SSL')) {
    if ((certFile === undefined) !== (keyFile === undefined)) {
      throw new ConfigError(
        'A client certificate needs its key and the key its certificate: set both KAFKA_SSL_CERT_FILE and KAFKA_SSL_KEY_FILE (ssl.certificate.location and ssl.key.location).',
      );
    }
    security.tls = {
      ...(caFile === undefined ? {} : { caFile: resolve(cwd, caFile) }),
      ...(certFile === undefined ? {} : { certFile: resolve(cwd, certFile) }),
      ...(keyFile === undefined ? {} : { keyFile: resolve(cwd, keyFile) }),
    };
  } else if (caFile !== undefined || certFile !== undefined || keyFile !== undefined) {
    throw new ConfigError(
      `TLS files are given but the security protocol is ${protocol}.`,
      'Set KAFKA_SECURITY_PROTOCOL (or security.protocol) to SSL or SASL_SSL, or remove the KAFKA_SSL_* settings.',
    );
  }
  return { security, bootstrapServers: fromFile.bootstrapServers };
}

/** How messages and `pos kafka status` name the security settings: never with the password. */
export function describeSecurity(security: KafkaSecurity): string {
  const parts: string[] = [security.protocol];
  if (security.sasl) parts.push(`${security.sasl.mechanism} as ${security.sasl.username}`);
  if (security.tls?.caFile) parts.push(`CA ${security.tls.caFile}`);
  if (security.tls?.certFile) parts.push(`client certificate ${security.tls.certFile}`);
  return parts.join(', ');
}
