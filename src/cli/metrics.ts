import type { Command } from 'commander';
import type { RunningHttpServer } from '../http/server.ts';
import type { Readiness } from '../metrics/endpoint.ts';
import type { Config } from '../plumbing/config.ts';
import type { Logger } from '../plumbing/logger.ts';
import * as flags from './flags.ts';

export interface MetricsFlags {
  metricsPort?: number;
  metricsHost?: string;
}

/** `--metrics-port` and `--metrics-host`, shared by the commands that serve metrics. */
export function addMetricsOptions(command: Command, portHelp: string): Command {
  return command
    .option('--metrics-port <port>', `${portHelp} (POS_METRICS_PORT; 0: any free port)`, flags.listenPort)
    .option('--metrics-host <address>', 'address the metrics endpoint listens on (POS_METRICS_HOST; default 127.0.0.1)');
}

/**
 * Serves `/metrics`, `/healthz` and `/readyz` at the port the flag or POS_METRICS_PORT names,
 * else at `fallbackPort` (none: no endpoint).
 */
export async function startMetricsEndpoint(
  options: MetricsFlags,
  config: Config,
  logger: Logger,
  readiness: () => Readiness | Promise<Readiness>,
  fallbackPort?: number,
): Promise<RunningHttpServer | undefined> {
  const port = options.metricsPort ?? config.metrics.port ?? fallbackPort;
  if (port === undefined) return undefined;
  const { serveMetrics } = await import('../metrics/endpoint.ts');
  return serveMetrics({ host: options.metricsHost ?? config.metrics.host, port, readiness, logger });
}
