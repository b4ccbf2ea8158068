import { type RunningHttpServer, startHttpServer, text } from '../http/server.ts';
import type { Logger } from '../plumbing/logger.ts';
import { metricsRegistry } from './registry.ts';

/** Whether the process can do its work now, and if not, why. */
export type Readiness = { ready: true } | { ready: false; reason: string };

export interface MetricsEndpointOptions {
  host: string;
  /** 0: a free port. */
  port: number;
  /** Asked on every `GET /readyz`. */
  readiness: () => Readiness | Promise<Readiness>;
  logger: Logger;
}

/**
 * `GET /metrics` (the registry in Prometheus's text format), `GET /healthz` (200 while the
 * process runs) and `GET /readyz` (200 when ready, else 503 with the reason).
 */
export async function serveMetrics(options: MetricsEndpointOptions): Promise<RunningHttpServer> {
  const server = await startHttpServer({
    host: options.host,
    port: options.port,
    logger: options.logger,
    routes: {
      '/metrics': async () => {
        const registry = metricsRegistry();
        return { status: 200, contentType: registry.contentType, body: await registry.metrics() };
      },
      '/healthz': () => text(200, 'ok\n'),
      '/readyz': async () => {
        const readiness = await options.readiness();
        return readiness.ready ? text(200, 'ready\n') : text(503, `not ready: ${readiness.reason}\n`);
      },
    },
  });
  options.logger.info(
    { metrics: `${server.url}/metrics`, health: `${server.url}/healthz`, readiness: `${server.url}/readyz` },
    `Serving metrics at ${server.url}/metrics`,
  );
  return server;
}
