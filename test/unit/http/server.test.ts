import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startHttpServer, text } from '../../../src/http/server.ts';
import { silentLogger } from '../../../src/plumbing/logger.ts';
import { capturingLogger, get } from './requests.ts';

test('the HTTP server answers its GET routes, 404 for others, 405 for other methods; port 0 picks a free port', async () => {
  const server = await startHttpServer({
    host: '127.0.0.1',
    port: 0,
    routes: { '/hello': () => text(200, 'hi\n') },
    logger: silentLogger,
  });
  try {
    assert.ok(server.port > 0);
    const hello = await fetch(`${server.url}/hello?x=1`);
    assert.equal(hello.status, 200);
    assert.equal(await hello.text(), 'hi\n');
    assert.equal((await fetch(`${server.url}/other`)).status, 404);
    const post = await fetch(`${server.url}/hello`, { method: 'POST' });
    assert.equal(post.status, 405);
    assert.equal(post.headers.get('allow'), 'GET, HEAD');
  } finally {
    await server.close();
  }
});

test('a port in use is a clear error that says what to do', async () => {
  const first = await startHttpServer({ host: '127.0.0.1', port: 0, routes: {}, logger: silentLogger });
  try {
    await assert.rejects(
      startHttpServer({ host: '127.0.0.1', port: first.port, routes: {}, logger: silentLogger }),
      (error: Error & { hint?: string }) => {
        assert.match(error.message, new RegExp(`Cannot serve HTTP on 127.0.0.1:${first.port}`));
        assert.match(error.hint ?? '', /Another process uses that port/);
        return true;
      },
    );
  } finally {
    await first.close();
  }
});

test('a streaming route stays open and is written over time; closing the server ends it and tells the route', async () => {
  let closedSignal: AbortSignal | undefined;
  const server = await startHttpServer({
    host: '127.0.0.1',
    port: 0,
    logger: silentLogger,
    routes: {
      '/events': () => ({
        contentType: 'text/event-stream',
        open: (response, closed) => {
          closedSignal = closed;
          response.write('data: one\n\n');
        },
      }),
    },
  });
  const response = await fetch(`${server.url}/events`);
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('content-type'), 'text/event-stream');
  const reader = response.body?.getReader();
  const first = await reader?.read();
  assert.equal(new TextDecoder().decode(first?.value), 'data: one\n\n');
  await server.close();
  await assert.rejects(async () => {
    for (;;) if ((await reader?.read())?.done) throw new Error('ended');
  }, /ended|terminated/);
  assert.equal(closedSignal?.aborted, true);
});

test('bound to loopback, it answers the loopback names and its own address, with or without a port, and refuses any other Host with 421', async () => {
  const server = await startHttpServer({
    host: '127.0.0.1',
    port: 0,
    routes: { '/hello': () => text(200, 'hi\n') },
    logger: silentLogger,
  });
  try {
    const port = server.port;
    for (const host of [
      'localhost',
      `localhost:${port}`,
      'LocalHost',
      '127.0.0.1',
      `127.0.0.1:${port}`,
      '[::1]',
      `[::1]:${port}`,
    ]) {
      const answer = await get(server.port, '/hello', { host });
      assert.equal(answer.status, 200, `Host: ${host}`);
      assert.equal(answer.body, 'hi\n');
    }
    // A page of another site whose name was made to resolve to 127.0.0.1 (DNS rebinding), and malformed names.
    for (const host of [
      'attacker.example',
      `attacker.example:${port}`,
      '127.0.0.1.nip.io',
      'localhost.attacker.example',
      'evil@localhost',
      '[::2]',
    ]) {
      const answer = await get(server.port, '/hello', { host });
      assert.equal(answer.status, 421, `Host: ${host}`);
      assert.match(answer.body, /^Misdirected request: this server answers only to localhost, 127\.0\.0\.1, \[::1\]/);
      assert.notEqual(answer.body, 'hi\n');
    }
    // Refused before the route is looked up: a foreign Host learns nothing of which paths exist.
    assert.equal((await get(server.port, '/other', { host: 'attacker.example' })).status, 421);
  } finally {
    await server.close();
  }
});

test('bound to another loopback address, it answers that address too', {
  skip: process.platform !== 'linux' && 'only Linux routes all of 127.0.0.0/8 to loopback',
}, async () => {
  const server = await startHttpServer({
    host: '127.0.0.2',
    port: 0,
    routes: { '/hello': () => text(200, 'hi\n') },
    logger: silentLogger,
  });
  try {
    const address = '127.0.0.2';
    assert.equal((await get(server.port, '/hello', { host: `127.0.0.2:${server.port}`, address })).status, 200);
    assert.equal((await get(server.port, '/hello', { host: 'localhost', address })).status, 200);
    assert.equal((await get(server.port, '/hello', { host: 'attacker.example', address })).status, 421);
  } finally {
    await server.close();
  }
});

test('bound to 0.0.0.0 on purpose, it answers any Host', async () => {
  const server = await startHttpServer({
    host: '0.0.0.0',
    port: 0,
    routes: { '/hello': () => text(200, 'hi\n') },
    logger: silentLogger,
  });
  try {
    for (const host of ['pos.example.internal', `pos.example.internal:${server.port}`, '192.0.2.7', 'localhost']) {
      const answer = await get(server.port, '/hello', { host });
      assert.equal(answer.status, 200, `Host: ${host}`);
      assert.equal(answer.body, 'hi\n');
    }
  } finally {
    await server.close();
  }
});

test('every answer says nosniff and carries the content security policy: 200, 404, 405, 421, 500 and a stream', async () => {
  const server = await startHttpServer({
    host: '127.0.0.1',
    port: 0,
    logger: silentLogger,
    routes: {
      '/hello': () => text(200, 'hi\n'),
      '/broken': () => {
        throw new Error('boom');
      },
      '/events': () => ({ contentType: 'text/event-stream', open: (response) => response.end('data: one\n\n') }),
    },
  });
  try {
    const answers = [
      [200, await get(server.port, '/hello')],
      [404, await get(server.port, '/other')],
      [405, await get(server.port, '/hello', { method: 'POST' })],
      [421, await get(server.port, '/hello', { host: 'attacker.example' })],
      [500, await get(server.port, '/broken')],
      [200, await get(server.port, '/events')],
      [200, await get(server.port, '/hello', { method: 'HEAD' })],
    ] as const;
    for (const [status, answer] of answers) {
      assert.equal(answer.status, status);
      assert.equal(answer.headers['x-content-type-options'], 'nosniff', `${status}`);
      assert.match(String(answer.headers['content-security-policy']), /(^|; )default-src 'self'(;|$)/, `${status}`);
    }
  } finally {
    await server.close();
  }
});

test('a route that throws or rejects gets 500 "internal error", and the details go to the log, not to the client', async () => {
  const { logger, lines } = capturingLogger();
  const server = await startHttpServer({
    host: '127.0.0.1',
    port: 0,
    logger,
    routes: {
      '/throws': () => {
        throw new Error('password authentication failed for user "secret_user" at db.internal:5432');
      },
      '/rejects': async () => {
        throw new Error('ENOENT: no such file /srv/private/path');
      },
    },
  });
  try {
    for (const [path, detail] of [
      ['/throws', 'secret_user'],
      ['/rejects', '/srv/private/path'],
    ] as const) {
      const answer = await get(server.port, path);
      assert.equal(answer.status, 500);
      assert.equal(answer.body, 'internal error\n');
      assert.equal(answer.headers['content-type'], 'text/plain; charset=utf-8');
      const logged = lines.find((line) => (line.err as { message?: string } | undefined)?.message?.includes(detail));
      assert.ok(logged, `the error of ${path} is logged: ${JSON.stringify(lines)}`);
      assert.equal(logged.level, 50);
      assert.equal(logged.path, path);
      assert.match(String((logged.err as { stack?: string }).stack), /server\.test\.ts/);
    }
  } finally {
    await server.close();
  }
});

test('a stream that fails after its head is sent is cut off and logged; the server goes on', async () => {
  const { logger, lines } = capturingLogger();
  const server = await startHttpServer({
    host: '127.0.0.1',
    port: 0,
    logger,
    routes: {
      '/events': () => ({
        contentType: 'text/event-stream',
        open: () => {
          throw new Error('the feed broke');
        },
      }),
      '/hello': () => text(200, 'hi\n'),
    },
  });
  try {
    await assert.rejects(get(server.port, '/events'));
    assert.ok(lines.some((line) => (line.err as { message?: string } | undefined)?.message === 'the feed broke'));
    assert.equal((await get(server.port, '/hello')).status, 200);
  } finally {
    await server.close();
  }
});
