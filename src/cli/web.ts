import type { Logger } from '../plumbing/logger.ts';

/** The live feed and the server of the web dashboard on 127.0.0.1:`port`, for `pos start` and `pos dashboard`. */
export async function startWebDashboard(command: string, port: number, logger: Logger) {
  const { LiveFeed } = await import('../dashboard/feed.ts');
  const { serveDashboard } = await import('../dashboard/server.ts');
  const feed = new LiveFeed(command);
  const server = await serveDashboard({ host: '127.0.0.1', port, feed, logger });
  return { feed, url: server.url, port: server.port, close: () => server.close() };
}
