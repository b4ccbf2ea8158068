import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { waitForBroker } from '../kafka/admin.ts';
import { type KafkaConnection, PLAINTEXT } from '../kafka/security.ts';
import type { Environment } from '../plumbing/environment.ts';
import { errorMessage, UserError } from '../plumbing/errors.ts';
import { type Logger, silentLogger } from '../plumbing/logger.ts';
import { runProgram } from '../plumbing/programs.ts';
import { waitUntil } from '../plumbing/wait.ts';
import { ensureKafkaDistribution } from './distribution.ts';
import { findJava } from './java.ts';
import { ensureCertificates, secureServerProperties, superUserConnection } from './secure-broker.ts';

/** The local broker's JVM heap: small, as the machine runs PostgreSQL and the pipeline beside it. */
const HEAP = '512m';
const STOP_GRACE_MS = 30_000;
/** How long a start waits for the broker to answer (the first start formats its storage). */
const START_TIMEOUT_MS = 90_000;

export interface LocalBrokerOptions {
  /** Where the broker keeps its data, config, pid file and logs (`$POS_DATA_DIR/kafka`). */
  dataDir: string;
  port: number;
  /** SASL_SSL for clients, mutual TLS inside, ACLs on (src/broker/secure-broker.ts). */
  secure?: boolean;
  env?: Environment;
  logger?: Logger;
}

/** What `broker.json` records about the running broker. */
export interface LocalBrokerState {
  pid: number;
  port: number;
  controllerPort: number;
  /** Set when started with --secure: the mutual-TLS listener (the super user's, and client certificates'). */
  internalPort?: number;
  version: string;
  startedAt: string;
}

/** How `pos` administers a node it started: plaintext, or as the super user when it is secure. */
export function nodeAdminConnection(dataDir: string, state: Pick<LocalBrokerState, 'port' | 'internalPort'>): KafkaConnection {
  return state.internalPort === undefined
    ? { brokers: [`127.0.0.1:${state.port}`], security: PLAINTEXT }
    : superUserConnection(dataDir, state.internalPort);
}

export type LocalBrokerStatus = { running: true; state: LocalBrokerState } | { running: false };

const files = (dataDir: string) => ({
  pid: join(dataDir, 'broker.pid'),
  state: join(dataDir, 'broker.json'),
  serverProperties: join(dataDir, 'server.properties'),
  log4j: join(dataDir, 'log4j2.properties'),
  logs: join(dataDir, 'logs'),
  brokerLog: join(dataDir, 'logs', 'broker.log'),
  jvmOut: join(dataDir, 'logs', 'jvm.out'),
  storage: join(dataDir, 'data'),
});

export function localBrokerStatus(dataDir: string): LocalBrokerStatus {
  const paths = files(dataDir);
  if (!existsSync(paths.pid) || !existsSync(paths.state)) return { running: false };
  try {
    const pid = Number(readFileSync(paths.pid, 'utf8').trim());
    const state = JSON.parse(readFileSync(paths.state, 'utf8')) as LocalBrokerState;
    return state.pid === pid && isBrokerProcess(pid) ? { running: true, state } : { running: false };
  } catch {
    return { running: false };
  }
}

/**
 * Starts the broker unless it already runs from this data directory, and waits until it answers.
 * The first start formats the storage (KRaft, one combined broker+controller node).
 */
export async function startLocalBroker(options: LocalBrokerOptions): Promise<{ started: boolean; state: LocalBrokerState }> {
  const logger = options.logger ?? silentLogger;
  const env = options.env ?? process.env;

  const current = localBrokerStatus(options.dataDir);
  if (current.running) {
    if (current.state.port !== options.port) {
      throw new UserError(
        `The local broker from ${options.dataDir} already runs on port ${current.state.port}, not ${options.port}.`,
        { hint: 'Run `pos kafka down` first to restart it on another port.' },
      );
    }
    if (options.secure && current.state.internalPort === undefined) {
      throw new UserError(`The local broker from ${options.dataDir} runs without --secure.`, {
        hint: 'Run `pos kafka down` first, then `pos kafka up --secure`.',
      });
    }
    await waitForBroker(nodeAdminConnection(options.dataDir, current.state), { timeoutMs: START_TIMEOUT_MS });
    return { started: false, state: current.state };
  }

  const runtime = await kafkaRuntime(env, logger);
  await requireFreePort(options.port);
  const controllerPort = await findFreePort();
  if (options.secure) await ensureCertificates(options.dataDir, env);
  const node: NodeSpec = {
    dir: options.dataDir,
    nodeId: 1,
    port: options.port,
    controllerPort,
    voters: `1@127.0.0.1:${controllerPort}`,
    replication: { factor: 1, minInsync: 1 },
    heap: HEAP,
    clusterId: newClusterId(),
    ...(options.secure ? { internalPort: await findFreePort() } : {}),
  };
  const launched = await launchNode(node, runtime, env, logger);
  await waitForNode(node, launched);
  return { started: true, state: launched.state };
}

/** Java and the Kafka jars, found (and fetched) once for the nodes a start launches. */
export interface KafkaRuntime {
  java: string;
  libDir: string;
  version: string;
}

export async function kafkaRuntime(env: Environment, logger: Logger): Promise<KafkaRuntime> {
  const java = await findJava(env);
  const distribution = await ensureKafkaDistribution({ env, logger });
  return { java: java.executable, libDir: distribution.libDir, version: distribution.version };
}

/** One KRaft node (broker and controller in one JVM): where it keeps its files, and how it joins its quorum. */
export interface NodeSpec {
  /** Its data, config, pid file and logs. */
  dir: string;
  nodeId: number;
  port: number;
  controllerPort: number;
  /** controller.quorum.voters: `id@host:port` of every controller, comma-separated. */
  voters: string;
  /** Replication of the internal topics and the defaults of new topics. */
  replication: { factor: number; minInsync: number };
  heap: string;
  /** Used only when the storage is formatted (its first start); every node of a cluster shares it. */
  clusterId: string;
  /** Set for a secure node: its mutual-TLS listener (secure-broker.ts). */
  internalPort?: number;
}

/** A node's JVM, started: what its state file says, and a signal that aborts when the process exits. */
export interface LaunchedNode {
  state: LocalBrokerState;
  exited: AbortSignal;
}

export async function requireFreePort(port: number): Promise<void> {
  if (await isPortFree(port)) return;
  throw new UserError(`Port ${port} on 127.0.0.1 is already in use, so the local Kafka broker cannot listen there.`, {
    hint: `If a Kafka broker is already running there, use it: KAFKA_BROKERS=127.0.0.1:${port}. Otherwise pass --port to pick another port.`,
  });
}

/** Writes the node's config, formats its storage on its first start, and starts its JVM detached (without waiting for it). */
export async function launchNode(node: NodeSpec, runtime: KafkaRuntime, env: Environment, logger: Logger): Promise<LaunchedNode> {
  const paths = files(node.dir);
  await mkdir(paths.logs, { recursive: true });
  await writeFile(paths.serverProperties, serverProperties(node, paths.storage));
  await writeFile(paths.log4j, log4jProperties(paths.brokerLog));
  const classpath = join(runtime.libDir, '*');
  const jvmFlags = [`-Dlog4j2.configurationFile=${paths.log4j}`, '-Djava.awt.headless=true'];

  if (!existsSync(join(paths.storage, 'meta.properties'))) {
    logger.info({ dataDir: node.dir }, 'Formatting the broker storage (first start)');
    await runProgram(
      runtime.java,
      [...jvmFlags, '-cp', classpath, 'kafka.tools.StorageTool', 'format', '-t', node.clusterId, '-c', paths.serverProperties],
      { env, timeoutMs: 120_000 },
    );
  }

  logger.info({ node: node.nodeId, port: node.port, version: runtime.version }, 'Starting a local Kafka broker');
  const output = openSync(paths.jvmOut, 'a');
  const child = spawn(
    runtime.java,
    [
      `-Xms${node.heap}`,
      `-Xmx${node.heap}`,
      '-XX:+UseG1GC',
      '-XX:MaxGCPauseMillis=20',
      '-XX:+ExitOnOutOfMemoryError',
      ...jvmFlags,
      '-cp',
      classpath,
      'kafka.Kafka',
      paths.serverProperties,
    ],
    { cwd: node.dir, env, detached: true, stdio: ['ignore', output, output] },
  );
  closeSync(output);
  child.unref();
  const pid = child.pid;
  if (pid === undefined) throw new UserError(`Could not start ${runtime.java}.`);

  const state: LocalBrokerState = {
    pid,
    port: node.port,
    controllerPort: node.controllerPort,
    ...(node.internalPort === undefined ? {} : { internalPort: node.internalPort }),
    version: runtime.version,
    startedAt: new Date().toISOString(),
  };
  await writeFile(paths.pid, `${pid}\n`);
  await writeFile(paths.state, `${JSON.stringify(state, null, 2)}\n`);
  const exited = new AbortController();
  child.once('exit', (code, signal) => exited.abort(new Error(`the broker process exited (${signal ?? `code ${code}`})`)));
  return { state, exited: exited.signal };
}

/** Waits until a launched node answers; if it does not, stops it and fails with the tail of its logs. */
export async function waitForNode(node: NodeSpec, launched: LaunchedNode): Promise<void> {
  const paths = files(node.dir);
  try {
    await waitForBroker(nodeAdminConnection(node.dir, launched.state), { timeoutMs: START_TIMEOUT_MS, signal: launched.exited });
  } catch (error) {
    // Cleaning up must not hide why the broker did not start.
    if (!launched.exited.aborted) await stopProcess(launched.state.pid).catch(() => {});
    await rm(paths.pid, { force: true });
    throw new UserError(
      `The local Kafka broker ${node.nodeId > 1 || node.voters.includes(',') ? `node ${node.nodeId} ` : ''}did not start: ${errorMessage(error)}.\nLast lines of ${paths.brokerLog} and ${paths.jvmOut}:\n${logTail(node.dir)}`,
      { hint: `If the storage in ${paths.storage} is damaged, remove ${node.dir} and run \`pos kafka up\` again.` },
    );
  }
}

/** Stops the broker (SIGTERM, then SIGKILL after a grace period) and waits until its port is free. */
export async function stopLocalBroker(options: { dataDir: string; logger?: Logger }): Promise<LocalBrokerState | undefined> {
  const logger = options.logger ?? silentLogger;
  const paths = files(options.dataDir);
  const status = localBrokerStatus(options.dataDir);
  if (status.running) {
    logger.info({ brokerPid: status.state.pid }, 'Stopping the local Kafka broker');
    await stopProcess(status.state.pid);
    const { port, controllerPort, internalPort } = status.state;
    const ports = [port, controllerPort, ...(internalPort === undefined ? [] : [internalPort])];
    await waitUntil(async () => (await Promise.all(ports.map(isPortFree))).every(Boolean), {
      what: `ports ${ports.join(', ')} to be free`,
      timeoutMs: 15_000,
    });
  }
  await rm(paths.pid, { force: true });
  await rm(paths.state, { force: true });
  return status.running ? status.state : undefined;
}

export async function stopProcess(pid: number): Promise<void> {
  signal(pid, 'SIGTERM');
  try {
    await waitUntil(() => !isBrokerProcess(pid), { what: `broker process ${pid} to exit`, timeoutMs: STOP_GRACE_MS });
  } catch {
    signal(pid, 'SIGKILL');
    await waitUntil(() => !isBrokerProcess(pid), { what: `broker process ${pid} to die`, timeoutMs: 10_000 });
  }
}

/** Signals the broker's process group (it was started detached, as its leader), else the process. */
function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(-pid, name);
  } catch {
    try {
      process.kill(pid, name);
    } catch {
      // already gone
    }
  }
}

/** Alive, and (where /proc tells) still the Kafka JVM rather than an unrelated process that reused the pid. */
function isBrokerProcess(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const zombie = stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
    return cmdline.includes('kafka.Kafka') && !zombie;
  } catch {
    return !existsSync('/proc/self');
  }
}

export function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(true)));
  });
}

export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ port: 0, host: '127.0.0.1' }, () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Kafka's cluster ids are 16 random bytes in unpadded base64url that do not start with "-". */
export function newClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

function serverProperties(node: NodeSpec, storage: string): string {
  const { factor, minInsync } = node.replication;
  const cluster =
    factor > 1
      ? `default.replication.factor=${factor}
min.insync.replicas=${minInsync}
# A node that stops answering is fenced (its partitions led elsewhere) after 6 s rather than 9 s.
broker.session.timeout.ms=6000
broker.heartbeat.interval.ms=1000
`
      : '';
  const listeners =
    node.internalPort === undefined
      ? `listeners=PLAINTEXT://127.0.0.1:${node.port},CONTROLLER://127.0.0.1:${node.controllerPort}
advertised.listeners=PLAINTEXT://127.0.0.1:${node.port}
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
`
      : secureServerProperties(node.dir, {
          port: node.port,
          internalPort: node.internalPort,
          controllerPort: node.controllerPort,
        });
  return `# Written by pos-pipeline at every start; edits are overwritten.
process.roles=broker,controller
node.id=${node.nodeId}
controller.quorum.voters=${node.voters}
${listeners}log.dirs=${storage}
num.partitions=1
auto.create.topics.enable=false
offsets.topic.replication.factor=${factor}
transaction.state.log.replication.factor=${factor}
transaction.state.log.min.isr=${minInsync}
share.coordinator.state.topic.replication.factor=${factor}
share.coordinator.state.topic.min.isr=${minInsync}
# Members started together (pos consume --members N) join the first generation; Kafka's default waits 3 s.
group.initial.rebalance.delay.ms=300
${cluster}`;
}

function log4jProperties(brokerLog: string): string {
  return `# Written by pos-pipeline at every start; edits are overwritten.
status = warn
appender.file.type = RollingFile
appender.file.name = file
appender.file.fileName = ${brokerLog}
appender.file.filePattern = ${brokerLog}.%i
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
appender.file.policies.type = Policies
appender.file.policies.size.type = SizeBasedTriggeringPolicy
appender.file.policies.size.size = 10MB
appender.file.strategy.type = DefaultRolloverStrategy
appender.file.strategy.max = 3
rootLogger.level = info
rootLogger.appenderRef.file.ref = file
logger.stateChange.name = state.change.logger
logger.stateChange.level = warn
`;
}

/** The last lines of the broker's logs, for error messages. */
function logTail(dataDir: string, lines = 25): string {
  const paths = files(dataDir);
  return [paths.brokerLog, paths.jvmOut]
    .filter((path) => existsSync(path))
    .map((path) => readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n'))
    .filter(Boolean)
    .join('\n---\n');
}
