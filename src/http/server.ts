import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { UserError } from '../plumbing/errors.ts';
import { isLoopbackHost } from '../plumbing/hosts.ts';
import type { Logger } from '../plumbing/logger.ts';

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
  /** Where a failing route's error goes: the client is told only "internal error". */
  logger: Logger;
}

export interface RunningHttpServer {
  /** `http://host:port`, with the port actually bound. */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Sent with every answer: no MIME sniffing, and a page that loads only its own files (no inline
 * script or style, no other origin) and may not be framed.
 */
const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'content-security-policy': "default-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
} as const;

/**
 * Which `Host` headers a server bound to `host` answers, or undefined for any. On a loopback
 * address only its own name and the loopback names, with any port (an SSH tunnel forwards from
 * another one): a web page of another site that made its name resolve to 127.0.0.1 (DNS
 * rebinding) sends its own name, and is refused. Bound to another address on purpose (0.0.0.0,
 * a LAN address), the server is reached under names it cannot know, so it takes them all.
 */
function allowedHostNames(host: string): Set<string> | undefined {
  if (!isLoopbackHost(host)) return undefined;
  const bound = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return new Set(['localhost', '127.0.0.1', '[::1]', bound.toLowerCase()]);
}

/** The name in a `Host` header without its port (`[::1]:8080` → `[::1]`), or undefined if it is malformed. */
function hostName(header: string): string | undefined {
  return /^(\[[0-9a-f:.]+\]|[^:[\]@/]+)(?::\d{1,5})?$/i.exec(header)?.[1]?.toLowerCase();
}

/**
 * A tiny read-only HTTP server on node:http: GET and HEAD of fixed paths, nothing else. Kept
 * apart from what it serves (metrics and health, the web dashboard); the rules every answer
 * follows (the `Host` check, the security headers, no error details to the client) are here.
 */
export async function startHttpServer(options: HttpServerOptions): Promise<RunningHttpServer> {
  const { logger } = options;
  const allowed = allowedHostNames(options.host);
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    const handler = Object.hasOwn(options.routes, path) ? options.routes[path] : undefined;
    const answer = (result: HttpResponse | HttpStream) => {
      if ('open' in result) return openStream(result);
      response.writeHead(result.status, {
        ...SECURITY_HEADERS,
        'content-type': result.contentType,
        'content-length': Buffer.byteLength(result.body),
        'cache-control': 'no-store',
        ...(result.status === 405 ? { allow: 'GET, HEAD' } : {}),
      });
      response.end(request.method === 'HEAD' ? undefined : result.body);
    };
    const openStream = (stream: HttpStream) => {
      response.writeHead(200, { ...SECURITY_HEADERS, 'content-type': stream.contentType, 'cache-control': 'no-store' });
      if (request.method === 'HEAD') return response.end();
      response.flushHeaders();
      const closed = new AbortController();
      response.once('close', () => closed.abort());
      stream.open(response, closed.signal);
    };
    // The details go to the log: they may name files, hosts or queries the client has no business seeing.
    const fail = (error: unknown) => {
      logger.error({ err: error, method: request.method, path }, `HTTP ${request.method} ${path} failed`);
      if (response.headersSent) return response.destroy();
      answer(text(500, 'internal error\n'));
    };
    // HTTP/1.0 may send no Host; a browser always does, so a missing one is no rebinding.
    const host = request.headers.host;
    if (allowed && host !== undefined && !allowed.has(hostName(host) ?? '')) {
      logger.debug({ host, path }, 'Refused a request for another host');
      return answer(text(421, `Misdirected request: this server answers only to ${[...allowed].join(', ')}\n`));
    }
    if (!handler) return answer(text(404, `Not found: ${path}\n`));
    if (request.method !== 'GET' && request.method !== 'HEAD') return answer(text(405, 'Only GET and HEAD\n'));
    Promise.resolve()
      .then(() => handler(request))
      .then(answer)
      .catch(fail);
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
