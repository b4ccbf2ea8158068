import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { type HttpResponse, type RunningHttpServer, startHttpServer } from '../http/server.ts';
import type { Logger } from '../plumbing/logger.ts';
import type { LiveFeed } from './feed.ts';

/** The page's own files (src/dashboard/page; a build in dist/ finds them beside itself or in the package's src/dashboard/page). */
function webFolder(): string {
  const beside = fileURLToPath(new URL('./page/', import.meta.url));
  return existsSync(`${beside}index.html`) ? beside : fileURLToPath(new URL('../../src/dashboard/page/', import.meta.url));
}

/** Every file the page may load, by URL path: a fixed mapping, never a path from the request. */
function staticFiles(): Record<string, { file: string; contentType: string }> {
  const web = webFolder();
  const require = createRequire(import.meta.url);
  return {
    '/': { file: `${web}index.html`, contentType: 'text/html; charset=utf-8' },
    '/dashboard.js': { file: `${web}dashboard.js`, contentType: 'text/javascript; charset=utf-8' },
    '/dashboard.css': { file: `${web}dashboard.css`, contentType: 'text/css; charset=utf-8' },
    '/vendor/uPlot.esm.js': { file: require.resolve('uplot/dist/uPlot.esm.js'), contentType: 'text/javascript; charset=utf-8' },
    '/vendor/uPlot.min.css': { file: require.resolve('uplot/dist/uPlot.min.css'), contentType: 'text/css; charset=utf-8' },
  };
}

export interface DashboardServerOptions {
  host: string;
  /** 0: a free port. */
  port: number;
  feed: LiveFeed;
  logger: Logger;
}

/** Serves the live dashboard: the page, its scripts and styles, and `/events` (the feed, as Server-Sent Events). */
export async function serveDashboard(options: DashboardServerOptions): Promise<RunningHttpServer> {
  const routes: Record<string, () => HttpResponse | ReturnType<LiveFeed['events']>> = {
    '/events': () => options.feed.events(),
  };
  for (const [path, { file, contentType }] of Object.entries(staticFiles())) {
    // Read once: the files are small and do not change while the process runs.
    const body = await readFile(file, 'utf8');
    routes[path] = () => ({ status: 200, contentType, body });
  }
  const server = await startHttpServer({ host: options.host, port: options.port, routes, logger: options.logger });
  options.logger.info({ dashboard: `${server.url}/` }, `Serving the dashboard at ${server.url}/`);
  return server;
}
