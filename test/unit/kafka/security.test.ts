import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { kafkaClientOptions } from '../../../src/kafka/clients.ts';
import { describeSecurity, kafkaSecurityFrom, parseJaasConfig, parseProperties } from '../../../src/kafka/security.ts';
import { loadConfig } from '../../../src/plumbing/config.ts';
import { ConfigError } from '../../../src/plumbing/errors.ts';

const dir = mkdtempSync(join(tmpdir(), 'pos-kafka-security-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

/** What Confluent Cloud hands out for a Java client, as it comes. */
const CONFLUENT_CLOUD = `# Required connection configs for Kafka producer, consumer, and admin
bootstrap.servers=pkc-abc12.eu-west-1.aws.confluent.cloud:9092
security.protocol=SASL_SSL
sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username='CKEY123' password='s3cr3t/with=signs';
sasl.mechanism=PLAIN
# Required for correctness in Apache Kafka clients prior to 2.6
client.dns.lookup=use_all_dns_ips

# Best practice for higher availability in Apache Kafka clients prior to 3.0
session.timeout.ms=45000

# Best practice for Kafka producer to prevent data loss
acks=all
schema.registry.url=https://psrc-xyz.eu-central-1.aws.confluent.cloud
basic.auth.credentials.source=USER_INFO
basic.auth.user.info={{ SR_API_KEY }}:{{ SR_API_SECRET }}
`;

describe('Kafka client properties', () => {
  test('the Java properties format: = : or space, comments, continued lines, escapes', () => {
    const properties = parseProperties('# comment\n! also\na=1\nb: 2\nc 3\nd = long \\\n   value\ne=x\\=y\\u0041\n\n');
    assert.deepEqual(Object.fromEntries(properties), { a: '1', b: '2', c: '3', d: 'long value', e: 'x=yA' });
  });

  test('a Confluent Cloud file: the brokers, SASL_SSL with PLAIN and its user, the rest ignored', () => {
    const config = loadConfig({ env: { KAFKA_CONFIG: file('ccloud.properties', CONFLUENT_CLOUD) }, cwd: dir });
    assert.deepEqual(config.kafka, {
      brokers: ['pkc-abc12.eu-west-1.aws.confluent.cloud:9092'],
      security: {
        protocol: 'SASL_SSL',
        sasl: { mechanism: 'PLAIN', username: 'CKEY123', password: 's3cr3t/with=signs' },
        tls: {},
      },
      external: true,
    });
    assert.equal(describeSecurity(config.kafka.security), 'SASL_SSL, PLAIN as CKEY123');
  });

  test('SCRAM in sasl.jaas.config with double quotes; sasl.username/sasl.password as librdkafka writes them', () => {
    assert.deepEqual(
      parseJaasConfig('org.apache.kafka.common.security.scram.ScramLoginModule required username="pos" password="p\\"w";', 'f'),
      { username: 'pos', password: 'p"w' },
    );
    const path = file(
      'rdkafka.properties',
      'bootstrap.servers=b:9093\nsecurity.protocol=sasl_ssl\nsasl.mechanisms=SCRAM-SHA-256\nsasl.username=u\nsasl.password=p\n',
    );
    const { security } = kafkaSecurityFrom({}, path, dir);
    assert.deepEqual(security.sasl, { mechanism: 'SCRAM-SHA-256', username: 'u', password: 'p' });
  });

  test('an unknown key is an error naming it; a JKS truststore and an unknown login module too, never echoing the password', () => {
    assert.throws(
      () => kafkaSecurityFrom({}, file('typo.properties', 'bootstrap.servers=b:1\nsasl.mechansim=PLAIN\n'), dir),
      (error: unknown) => error instanceof ConfigError && /"sasl\.mechansim"/.test(error.message),
    );
    assert.throws(
      () => kafkaSecurityFrom({}, file('jks.properties', 'ssl.truststore.location=t.jks\nssl.truststore.type=JKS\n'), dir),
      /ssl\.truststore\.type=JKS; pos reads PEM files only/,
    );
    const kerberos = 'com.sun.security.auth.module.Krb5LoginModule required password="hunter2";';
    assert.throws(
      () =>
        kafkaSecurityFrom(
          {},
          file('krb.properties', `security.protocol=SASL_SSL\nsasl.mechanism=PLAIN\nsasl.jaas.config=${kerberos}\n`),
          dir,
        ),
      (error: unknown) =>
        error instanceof ConfigError && /Krb5LoginModule/.test(error.message) && !error.message.includes('hunter2'),
    );
  });

  test('the environment variables alone, and over the file', () => {
    const env = {
      KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
      KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
      KAFKA_SASL_USERNAME: 'pos',
      KAFKA_SASL_PASSWORD: 'pw',
      KAFKA_SSL_CA_FILE: 'ca.crt',
    };
    assert.deepEqual(kafkaSecurityFrom(env, undefined, dir).security, {
      protocol: 'SASL_SSL',
      sasl: { mechanism: 'SCRAM-SHA-512', username: 'pos', password: 'pw' },
      tls: { caFile: join(dir, 'ca.crt') },
    });
    const overridden = kafkaSecurityFrom({ KAFKA_SASL_PASSWORD: 'from-env' }, file('c.properties', CONFLUENT_CLOUD), dir);
    assert.equal(overridden.security.sasl?.password, 'from-env');
    assert.equal(overridden.security.sasl?.username, 'CKEY123');
  });

  test('mutual TLS: SSL with a client certificate and its key; one without the other is an error', () => {
    const env = { KAFKA_SECURITY_PROTOCOL: 'SSL', KAFKA_SSL_CERT_FILE: '/c.crt', KAFKA_SSL_KEY_FILE: '/c.key' };
    assert.deepEqual(kafkaSecurityFrom(env, undefined, dir).security, {
      protocol: 'SSL',
      tls: { certFile: '/c.crt', keyFile: '/c.key' },
    });
    assert.throws(() => kafkaSecurityFrom({ ...env, KAFKA_SSL_KEY_FILE: '' }, undefined, dir), /needs its key/);
  });

  test('contradictions and bad values are errors', () => {
    assert.throws(() => kafkaSecurityFrom({ KAFKA_SECURITY_PROTOCOL: 'TLS' }, undefined, dir), /not a security protocol/);
    assert.throws(
      () =>
        kafkaSecurityFrom(
          { KAFKA_SECURITY_PROTOCOL: 'SASL_SSL', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' },
          undefined,
          dir,
        ),
      /KAFKA_SASL_MECHANISM is not set/,
    );
    assert.throws(
      () => kafkaSecurityFrom({ KAFKA_SECURITY_PROTOCOL: 'SASL_SSL', KAFKA_SASL_MECHANISM: 'GSSAPI' }, undefined, dir),
      /"GSSAPI"/,
    );
    assert.throws(() => kafkaSecurityFrom({ KAFKA_SASL_USERNAME: 'u' }, undefined, dir), /security protocol is PLAINTEXT/);
    assert.throws(() => kafkaSecurityFrom({ KAFKA_SSL_CA_FILE: 'ca.crt' }, undefined, dir), /TLS files are given/);
    assert.throws(
      () => loadConfig({ env: { KAFKA_CONFIG: join(dir, 'missing.properties') }, cwd: dir }),
      /Cannot read the Kafka client config/,
    );
  });

  test('KAFKA_BROKERS wins over bootstrap.servers; without either, the local broker with the security settings', () => {
    const path = file('b.properties', 'bootstrap.servers=remote:9093\n');
    assert.deepEqual(loadConfig({ env: { KAFKA_CONFIG: path, KAFKA_BROKERS: 'other:1' }, cwd: dir }).kafka.brokers, ['other:1']);
    const local = loadConfig({ env: { KAFKA_CONFIG: file('n.properties', 'security.protocol=SSL\n') }, cwd: dir }).kafka;
    assert.deepEqual(local, { brokers: ['127.0.0.1:9092'], security: { protocol: 'SSL', tls: {} }, external: false });
  });

  test('the client options: PEM files read, SASL passed; a missing file is named', () => {
    const ca = file('ca.pem', '-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n');
    const options = kafkaClientOptions(
      {
        brokers: ['b:1'],
        security: {
          protocol: 'SASL_SSL',
          sasl: { mechanism: 'SCRAM-SHA-512', username: 'u', password: 'p' },
          tls: { caFile: ca },
        },
      },
      'pos-test',
    );
    assert.deepEqual(options, {
      clientId: 'pos-test',
      bootstrapBrokers: ['b:1'],
      tls: { ca: '-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n' },
      sasl: { mechanism: 'SCRAM-SHA-512', username: 'u', password: 'p' },
    });
    assert.throws(
      () => kafkaClientOptions({ brokers: ['b:1'], security: { protocol: 'SSL', tls: { caFile: join(dir, 'nope.pem') } } }, 'x'),
      /Cannot read the Kafka CA certificate .*nope\.pem/,
    );
  });
});
