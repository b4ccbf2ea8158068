import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startHttpServer, text } from '../../../src/http/server.ts';

test('the HTTP server answers its GET routes, 404 for others, 405 for other methods; port 0 picks a free port', async () => {
  const server = await startHttpServer({ host: '127.0.0.1', port: 0, routes: { '/hello': () => text(200, 'hi\n') } });
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
  const first = await startHttpServer({ host: '127.0.0.1', port: 0, routes: {} });
  try {
    await assert.rejects(
      startHttpServer({ host: '127.0.0.1', port: first.port, routes: {} }),
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
