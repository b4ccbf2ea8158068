import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Environment } from '../plumbing/environment.ts';
import { UserError } from '../plumbing/errors.ts';
import { type Logger, silentLogger } from '../plumbing/logger.ts';
import {
  findFreePort,
  isPortFree,
  kafkaRuntime,
  type LaunchedNode,
  type LocalBrokerStatus,
  launchNode,
  localBrokerStatus,
  type NodeSpec,
  newClusterId,
  requireFreePort,
  stopLocalBroker,
  waitForNode,
} from './local-broker.ts';

/**
 * A local replicated cluster: three KRaft nodes, each a broker and a controller (a quorum of three
 * voters survives the loss of one), in `node-1` … `node-3` under the data directory, on client
 * ports P, P+1, P+2. `cluster.json` keeps the cluster id and the ports, so that a node restarted
 * alone rejoins the same quorum. Topics are replicated three times and need two in-sync replicas.
 */
export const CLUSTER_NODES = 3;
/** Three JVMs on a small machine: each gets less than the single broker's 512 MB. */
const NODE_HEAP = '384m';
const REPLICATION = { factor: 3, minInsync: 2 };

export interface ClusterLayout {
  clusterId: string;
  nodes: { nodeId: number; port: number; controllerPort: number }[];
}

export interface ClusterNodeStatus {
  nodeId: number;
  port: number;
  dir: string;
  status: LocalBrokerStatus;
}

const layoutFile = (dataDir: string) => join(dataDir, 'cluster.json');
const nodeDir = (dataDir: string, nodeId: number) => join(dataDir, `node-${nodeId}`);

export function readClusterLayout(dataDir: string): ClusterLayout | undefined {
  const path = layoutFile(dataDir);
  if (!existsSync(path)) return undefined;
  return JSON.parse(readFileSync(path, 'utf8')) as ClusterLayout;
}

/** Each node of the cluster laid out in this data directory, running or not; none when there is no cluster. */
export function localClusterStatus(dataDir: string): ClusterNodeStatus[] {
  const layout = readClusterLayout(dataDir);
  if (!layout) return [];
  return layout.nodes.map(({ nodeId, port }) => {
    const dir = nodeDir(dataDir, nodeId);
    return { nodeId, port, dir, status: localBrokerStatus(dir) };
  });
}

export function clusterRunning(dataDir: string): boolean {
  return localClusterStatus(dataDir).some((node) => node.status.running);
}

/**
 * Starts the nodes of the cluster that are not running (all three the first time, one that was
 * killed later) and waits until each answers. A cluster whose nodes all stopped may move to
 * another port; one with a node running keeps its ports.
 */
export async function startLocalCluster(options: {
  dataDir: string;
  port: number | undefined;
  defaultPort: number;
  env?: Environment;
  logger?: Logger;
}): Promise<{ started: number[]; brokers: string[] }> {
  const logger = options.logger ?? silentLogger;
  const env = options.env ?? process.env;
  const single = localBrokerStatus(options.dataDir);
  if (single.running) {
    throw new UserError(`A single local broker runs from ${options.dataDir} on port ${single.state.port}.`, {
      hint: 'Run `pos kafka down` first, then `pos kafka up --brokers 3`.',
    });
  }
  const nodes = localClusterStatus(options.dataDir);
  const running = nodes.filter((node) => node.status.running);
  let layout = readClusterLayout(options.dataDir);
  const firstPort = layout?.nodes[0]?.port;
  if (running.length > 0 && options.port !== undefined && options.port !== firstPort) {
    throw new UserError(
      `The local cluster from ${options.dataDir} already runs on ports from ${firstPort}, not ${options.port}.`,
      {
        hint: 'Run `pos kafka down` first to restart it on other ports.',
      },
    );
  }
  const port = options.port ?? firstPort ?? options.defaultPort;
  if (!layout || (running.length === 0 && (port !== firstPort || !(await controllerPortsFree(layout))))) {
    layout = await newLayout(layout?.clusterId ?? newClusterId(), port);
    await mkdir(options.dataDir, { recursive: true });
    await writeFile(layoutFile(options.dataDir), `${JSON.stringify(layout, null, 2)}\n`);
  }

  const voters = layout.nodes.map((node) => `${node.nodeId}@127.0.0.1:${node.controllerPort}`).join(',');
  const toStart = layout.nodes.filter((node) => !running.some((other) => other.nodeId === node.nodeId));
  const specs: NodeSpec[] = toStart.map((node) => ({
    dir: nodeDir(options.dataDir, node.nodeId),
    nodeId: node.nodeId,
    port: node.port,
    controllerPort: node.controllerPort,
    voters,
    replication: REPLICATION,
    heap: NODE_HEAP,
    clusterId: layout.clusterId,
  }));
  if (specs.length > 0) {
    const runtime = await kafkaRuntime(env, logger);
    for (const spec of specs) await requireFreePort(spec.port);
    // All JVMs start before any is waited for: a node answers only once a quorum of controllers runs.
    const launched: [NodeSpec, LaunchedNode][] = [];
    for (const spec of specs) launched.push([spec, await launchNode(spec, runtime, env, logger)]);
    await Promise.all(launched.map(([spec, node]) => waitForNode(spec, node)));
  }
  return {
    started: specs.map((spec) => spec.nodeId),
    brokers: layout.nodes.map((node) => `127.0.0.1:${node.port}`),
  };
}

/** Stops every node at once (each broker's controlled shutdown needs the controller quorum still up). */
export async function stopLocalCluster(options: { dataDir: string; logger?: Logger }): Promise<number[]> {
  const nodes = localClusterStatus(options.dataDir);
  const stopped = await Promise.all(
    nodes.map(async (node) =>
      (await stopLocalBroker({ dataDir: node.dir, ...(options.logger ? { logger: options.logger } : {}) }))
        ? node.nodeId
        : undefined,
    ),
  );
  return stopped.filter((nodeId) => nodeId !== undefined);
}

async function newLayout(clusterId: string, port: number): Promise<ClusterLayout> {
  const nodes: ClusterLayout['nodes'] = [];
  while (nodes.length < CLUSTER_NODES) {
    const controllerPort = await findFreePort();
    if (nodes.some((node) => node.controllerPort === controllerPort)) continue;
    const nodeId = nodes.length + 1;
    nodes.push({ nodeId, port: port + nodeId - 1, controllerPort });
  }
  return { clusterId, nodes };
}

async function controllerPortsFree(layout: ClusterLayout): Promise<boolean> {
  const free = await Promise.all(layout.nodes.map((node) => isPortFree(node.controllerPort)));
  return free.every(Boolean);
}
