import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { UserError } from '../errors.ts';

/** What a route answers. */
export interface HttpResponse {
  status: number;
  contentType: string;
  body: string;
}

/**
 * An answer that stays open and is written over time (Server-Sent Events): `open` gets the
 * response once its head is sent, and a signal that aborts when the client goes or the server closes.
 */
export interface HttpStream {
  contentType: string;
  open(response: ServerResponse, closed: AbortSignal): void;
}

/** A GET (or HEAD) route: the path, without the query string, maps to a handler. */
export type HttpRoutes = Record<
  string,
  (request: IncomingMessage) => HttpResponse | HttpStream | Promise<HttpResponse | HttpStream>
>;

export interface HttpServerOptions {
  host: string;
  /** 0: a free port, chosen by the system. */
  port: number;
  routes: HttpRoutes;
}

export interface RunningHttpServer {
  /** `http://host:port`, with the port actually bound. */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/**
 * A tiny read-only HTTP server on node:http: GET and HEAD of fixed paths, nothing else. Kept
 * apart from what it serves (metrics and health, the web dashboard).
 */
export async function startHttpServer(options: HttpServerOptions): Promise<RunningHttpServer> {
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    const handler = Object.hasOwn(options.routes, path) ? options.routes[path] : undefined;
    const answer = (result: HttpResponse | HttpStream) => {
      if ('open' in result) return openStream(result);
      response.writeHead(result.status, {
        'content-type': result.contentType,
        'content-length': Buffer.byteLength(result.body),
        'cache-control': 'no-store',
        ...(result.status === 405 ? { allow: 'GET, HEAD' } : {}),
      });
      response.end(request.method === 'HEAD' ? undefined : result.body);
    };
    const openStream = (stream: HttpStream) => {
      response.writeHead(200, { 'content-type': stream.contentType, 'cache-control': 'no-store' });
      if (request.method === 'HEAD') return response.end();
      response.flushHeaders();
      const closed = new AbortController();
      response.once('close', () => closed.abort());
      stream.open(response, closed.signal);
    };
    if (!handler) return answer(text(404, `Not found: ${path}\n`));
    if (request.method !== 'GET' && request.method !== 'HEAD') return answer(text(405, 'Only GET and HEAD\n'));
    Promise.resolve()
      .then(() => handler(request))
      .then(answer, (error: unknown) => answer(text(500, `${(error as Error)?.message ?? String(error)}\n`)));
  });
  // Keep-alive connections must not hold the process open once the command is done.
  server.keepAliveTimeout = 5000;
  server.listen(options.port, options.host);
  try {
    await Promise.race([once(server, 'listening'), once(server, 'error').then(([error]) => Promise.reject(error))]);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UserError(`Cannot serve HTTP on ${options.host}:${options.port}: ${(error as Error).message}`, {
      hint:
        code === 'EADDRINUSE'
          ? 'Another process uses that port: pick another one, or 0 for any free port.'
          : 'Check the host: an address of this machine, such as 127.0.0.1 or 0.0.0.0.',
      cause: error,
    });
  }
  const port = (server.address() as AddressInfo).port;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${host}:${port}`,
    port,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A plain-text answer. */
export function text(status: number, body: string): HttpResponse {
  return { status, contentType: 'text/plain; charset=utf-8', body };
}
