import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findFreePort } from '../../../src/broker/local-broker.ts';
import { waitUntil } from '../../../src/plumbing/wait.ts';
import { prometheusTools } from './prerequisites.ts';

export interface PrometheusServer {
  url: string;
  /** An instant PromQL query through the HTTP API: each series' labels and value. */
  query(promql: string): Promise<{ metric: Record<string, string>; value: number }[]>;
  /** Stops the server and deletes its data. */
  close(): Promise<void>;
}

/**
 * A real Prometheus server for one test: a free port on 127.0.0.1, a generated config that
 * scrapes `targets` (host:port) every second as job `pos`, and its own temporary data folder.
 */
export async function startPrometheus(targets: string[]): Promise<PrometheusServer> {
  const { prometheus } = prometheusTools();
  const folder = await mkdtemp(join(tmpdir(), 'pos-prometheus-'));
  const config = join(folder, 'prometheus.yml');
  await writeFile(
    config,
    [
      'global:',
      '  scrape_interval: 1s',
      '  evaluation_interval: 1s',
      'scrape_configs:',
      '  - job_name: pos',
      '    static_configs:',
      `      - targets: [${targets.map((target) => `'${target}'`).join(', ')}]`,
      '',
    ].join('\n'),
  );
  // A free port can be taken by another process before Prometheus binds it: then try another.
  for (let attempt = 1; ; attempt++) {
    const port = await findFreePort();
    try {
      return await launch(prometheus, config, folder, port);
    } catch (error) {
      if (attempt >= 3 || !/address already in use/.test((error as Error).message)) {
        await rm(folder, { recursive: true, force: true });
        throw error;
      }
    }
  }
}

async function launch(prometheus: string, config: string, folder: string, port: number): Promise<PrometheusServer> {
  const url = `http://127.0.0.1:${port}`;
  let log = '';
  const child: ChildProcess = spawn(
    prometheus,
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${join(folder, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  child.stderr?.on('data', (chunk: Buffer) => {
    log += chunk;
  });
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(killer);
    }
  };
  const ready = new AbortController();
  try {
    await Promise.race([
      waitUntil(async () => (await fetch(`${url}/-/ready`)).ok, {
        what: `Prometheus to be ready at ${url}`,
        timeoutMs: 30_000,
        signal: ready.signal,
      }),
      exited.then(() => {
        throw new Error(`prometheus exited with ${child.exitCode}: ${log.slice(-2000)}`);
      }),
    ]);
  } catch (error) {
    await stop();
    throw error;
  } finally {
    ready.abort();
  }
  return {
    url,
    async query(promql) {
      const response = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(promql)}`);
      const body = (await response.json()) as {
        status: string;
        error?: string;
        data?: { result: { metric: Record<string, string>; value: [number, string] }[] };
      };
      if (body.status !== 'success') throw new Error(`PromQL ${promql} failed: ${body.error}`);
      return (body.data?.result ?? []).map(({ metric, value }) => ({ metric, value: Number(value[1]) }));
    },
    async close() {
      await stop();
      await rm(folder, { recursive: true, force: true });
    },
  };
}

/** Runs promtool with `args` (and `input` on stdin); its exit code and output. */
export function promtool(args: string[], input?: string): { code: number | null; output: string } {
  const result = spawnSync(prometheusTools().promtool, args, { input, encoding: 'utf8' });
  return { code: result.status, output: `${result.stdout}${result.stderr}` };
}
