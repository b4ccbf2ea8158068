import { pbkdf2Sync, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  AclOperations,
  AclPermissionTypes,
  alterUserScramCredentialsV0,
  ResourcePatternTypes,
  ResourceTypes,
} from '@platformatic/kafka';
import { withAdmin } from '../kafka/admin.ts';
import { createConnection } from '../kafka/clients.ts';
import type { KafkaConnection } from '../kafka/security.ts';
import type { Environment } from '../plumbing/environment.ts';
import { UserError } from '../plumbing/errors.ts';
import { findProgram } from '../plumbing/programs.ts';
import { makeAuthority, openSsl, signCertificate } from '../tls/certificates.ts';

/**
 * `pos kafka up --secure`: the local broker as a managed cluster would be. Clients connect over
 * SASL_SSL with SCRAM-SHA-512 (user `pos`, only the ACLs the pipeline needs); the broker talks to
 * itself (controller and inter-broker listeners) over mutual TLS as the super user `pos-broker`,
 * which is also how `pos` administers it; the mutual-TLS listener takes client certificates
 * (`CN=pos` is user `pos`). Certificates are made once with openssl; secrets go to files only
 * readable by their owner, never to a command line.
 */
export const SUPER_USER = 'pos-broker';
export const PIPELINE_USER = 'pos';
export const PIPELINE_GROUP = 'pos-warehouse';
/** SCRAM iterations: Kafka's minimum for SHA-512 is 4096. */
const SCRAM_ITERATIONS = 8192;
/** Kafka's ScramMechanism id for SCRAM-SHA-512. */
const SCRAM_SHA_512 = 2;

export function secureFiles(dataDir: string) {
  const tls = join(dataDir, 'tls');
  return {
    tls,
    caKey: join(tls, 'ca.key'),
    caCert: join(tls, 'ca.crt'),
    brokerKey: join(tls, 'broker.key'),
    brokerCert: join(tls, 'broker.crt'),
    /** The broker's key and certificate in one PEM file, as Kafka's ssl.keystore.type=PEM takes it. */
    brokerKeystore: join(tls, 'broker-keystore.pem'),
    clientKey: join(tls, 'pos.key'),
    clientCert: join(tls, 'pos.crt'),
    clientProperties: join(dataDir, 'client.properties'),
    mtlsProperties: join(dataDir, 'client-mtls.properties'),
  };
}

/** Makes the CA, the broker's certificate (localhost, 127.0.0.1) and the client certificate of `pos`, once. */
export async function ensureCertificates(dataDir: string, env: Environment): Promise<void> {
  const paths = secureFiles(dataDir);
  if (existsSync(paths.brokerKeystore) && existsSync(paths.clientCert)) return;
  const openssl = findProgram('openssl', env);
  if (!openssl) {
    throw new UserError('`pos kafka up --secure` makes its TLS certificates with openssl, and no openssl is on PATH.', {
      hint: 'Install it (Debian/Ubuntu: sudo apt-get install openssl; macOS: brew install openssl).',
    });
  }
  await rm(paths.tls, { recursive: true, force: true });
  await mkdir(paths.tls, { recursive: true, mode: 0o700 });
  const run = openSsl(openssl, env);
  const authority = { key: paths.caKey, cert: paths.caCert };
  await makeAuthority(run, { ...authority, subject: 'pos local Kafka CA', days: 3650 });
  await signCertificate(run, authority, {
    name: SUPER_USER,
    key: paths.brokerKey,
    cert: paths.brokerCert,
    days: 825,
    extensions:
      'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\nkeyUsage=digitalSignature,keyEncipherment\n',
  });
  await signCertificate(run, authority, {
    name: PIPELINE_USER,
    key: paths.clientKey,
    cert: paths.clientCert,
    days: 825,
    extensions: 'extendedKeyUsage=clientAuth\nkeyUsage=digitalSignature\n',
  });
  const keystore = `${await readFile(paths.brokerKey, 'utf8')}${await readFile(paths.brokerCert, 'utf8')}`;
  await writeFile(paths.brokerKeystore, keystore, { mode: 0o600 });
  for (const key of [paths.caKey, paths.brokerKey, paths.clientKey]) await chmod(key, 0o600);
}

/** The listeners and security settings of a secure node's server.properties. */
export function secureServerProperties(
  dataDir: string,
  ports: { port: number; internalPort: number; controllerPort: number },
): string {
  const paths = secureFiles(dataDir);
  const { port, internalPort, controllerPort } = ports;
  return `listeners=SASL_SSL://127.0.0.1:${port},INTERNAL://127.0.0.1:${internalPort},CONTROLLER://127.0.0.1:${controllerPort}
advertised.listeners=SASL_SSL://127.0.0.1:${port},INTERNAL://127.0.0.1:${internalPort}
controller.listener.names=CONTROLLER
inter.broker.listener.name=INTERNAL
listener.security.protocol.map=CONTROLLER:SSL,INTERNAL:SSL,SASL_SSL:SASL_SSL
sasl.enabled.mechanisms=SCRAM-SHA-512
# No secret here: the SCRAM credentials live in the cluster metadata.
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
ssl.keystore.type=PEM
ssl.keystore.location=${paths.brokerKeystore}
ssl.truststore.type=PEM
ssl.truststore.location=${paths.caCert}
listener.name.internal.ssl.client.auth=required
listener.name.controller.ssl.client.auth=required
# A certificate's CN is its user: CN=pos-broker is the super user, CN=pos the pipeline's user.
ssl.principal.mapping.rules=RULE:^CN=([^,]+)$/$1/,DEFAULT
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
allow.everyone.if.no.acl.found=false
super.users=User:${SUPER_USER}
`;
}

/** The super user's connection: mutual TLS with the broker's certificate, on the internal listener. */
export function superUserConnection(dataDir: string, internalPort: number): KafkaConnection {
  const paths = secureFiles(dataDir);
  return {
    brokers: [`127.0.0.1:${internalPort}`],
    security: { protocol: 'SSL', tls: { caFile: paths.caCert, certFile: paths.brokerCert, keyFile: paths.brokerKey } },
  };
}

/** What user `pos` may do: the list the README documents ("Connecting to your cluster"). */
export function pipelineAcls(topic: string, dlqTopic: string, group: string, principal = `User:${PIPELINE_USER}`) {
  const { TOPIC, GROUP } = ResourceTypes;
  const { READ, WRITE, DESCRIBE, DESCRIBE_CONFIGS } = AclOperations;
  const grants: [number, string, number][] = [
    [TOPIC, topic, WRITE], // simulate, start: produce the sales
    [TOPIC, topic, READ], // consume: fetch them
    [TOPIC, topic, DESCRIBE], // metadata, offsets, lag
    [TOPIC, dlqTopic, WRITE], // consume: publish the dead letters
    [TOPIC, dlqTopic, DESCRIBE],
    [TOPIC, dlqTopic, DESCRIBE_CONFIGS], // the outbox reads max.message.bytes
    [GROUP, group, READ], // join the group, commit offsets (READ implies DESCRIBE)
  ];
  return grants.map(([resourceType, resourceName, operation]) => ({
    resourceType: resourceType as (typeof ResourceTypes)[keyof typeof ResourceTypes],
    resourceName,
    resourcePatternType: ResourcePatternTypes.LITERAL,
    principal,
    host: '*',
    operation: operation as (typeof AclOperations)[keyof typeof AclOperations],
    permissionType: AclPermissionTypes.ALLOW,
  }));
}

/** Creates (or replaces the password of) a SCRAM-SHA-512 user, through the super user's connection. */
export async function setScramPassword(admin: KafkaConnection, user: string, password: string): Promise<void> {
  const [host, port] = splitAddress(admin.brokers[0] ?? '');
  const connection = createConnection(admin, 'pos-admin');
  try {
    await connection.connect(host, port);
    const salt = randomBytes(32);
    const saltedPassword = pbkdf2Sync(password, salt, SCRAM_ITERATIONS, 64, 'sha512');
    const response = await alterUserScramCredentialsV0.api.async(
      connection,
      [],
      [{ name: user, mechanism: SCRAM_SHA_512, iterations: SCRAM_ITERATIONS, salt, saltedPassword }],
    );
    const failed = response.results.find((result) => result.errorCode !== 0);
    if (failed) throw new UserError(`Kafka refused the SCRAM credentials of ${user}: ${failed.errorMessage ?? failed.errorCode}`);
  } finally {
    await connection.close();
  }
}

function splitAddress(address: string): [string, number] {
  const index = address.lastIndexOf(':');
  return [address.slice(0, index), Number(address.slice(index + 1))];
}

/**
 * User `pos` with its ACLs and a password made once (kept in client.properties, 0600), and the
 * client configs: SASL_SSL on the client port, mutual TLS on the internal port.
 */
export async function provisionPipelineUser(options: {
  dataDir: string;
  port: number;
  internalPort: number;
  topic: string;
  dlqTopic: string;
}): Promise<{ clientProperties: string; mtlsProperties: string }> {
  const paths = secureFiles(options.dataDir);
  const admin = superUserConnection(options.dataDir, options.internalPort);
  const password = (await existingPassword(paths.clientProperties)) ?? randomBytes(24).toString('base64url');
  await setScramPassword(admin, PIPELINE_USER, password);
  await withAdmin(admin, (client) =>
    client.createAcls({ creations: pipelineAcls(options.topic, options.dlqTopic, PIPELINE_GROUP) }),
  );
  const header = '# Written by `pos kafka up --secure`: user pos on the local secure broker. Use: pos --kafka-config FILE …\n';
  await writeFile(
    paths.clientProperties,
    `${header}bootstrap.servers=127.0.0.1:${options.port}
security.protocol=SASL_SSL
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="${PIPELINE_USER}" password="${password}";
ssl.ca.location=${paths.caCert}
`,
    { mode: 0o600 },
  );
  await chmod(paths.clientProperties, 0o600);
  await writeFile(
    paths.mtlsProperties,
    `${header}bootstrap.servers=127.0.0.1:${options.internalPort}
security.protocol=SSL
ssl.ca.location=${paths.caCert}
ssl.certificate.location=${paths.clientCert}
ssl.key.location=${paths.clientKey}
`,
    { mode: 0o600 },
  );
  return { clientProperties: paths.clientProperties, mtlsProperties: paths.mtlsProperties };
}

async function existingPassword(clientProperties: string): Promise<string | undefined> {
  if (!existsSync(clientProperties)) return undefined;
  return /password="([^"]+)"/.exec(await readFile(clientProperties, 'utf8'))?.[1];
}
