import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LiveFeed } from '../../../src/dashboard/feed.ts';
import { serveDashboard } from '../../../src/dashboard/server.ts';
import { serveMetrics } from '../../../src/metrics/endpoint.ts';
import { silentLogger } from '../../../src/plumbing/logger.ts';
import { capturingLogger, get } from './requests.ts';

// The rules of src/http/server.ts, through each real server and its own routes.

test('the metrics endpoint: loopback names get 200, a foreign Host 421, every answer nosniff', async () => {
  const server = await serveMetrics({ host: '127.0.0.1', port: 0, readiness: () => ({ ready: true }), logger: silentLogger });
  try {
    for (const path of ['/metrics', '/healthz', '/readyz']) {
      for (const host of ['localhost', `127.0.0.1:${server.port}`, `[::1]:${server.port}`]) {
        const answer = await get(server.port, path, { host });
        assert.equal(answer.status, 200, `${path} with Host: ${host}`);
        assert.equal(answer.headers['x-content-type-options'], 'nosniff');
      }
      const refused = await get(server.port, path, { host: `rebound.example:${server.port}` });
      assert.equal(refused.status, 421, path);
      assert.equal(refused.headers['x-content-type-options'], 'nosniff');
      assert.doesNotMatch(refused.body, /pos_|ok|ready/);
    }
  } finally {
    await server.close();
  }
});

test('the metrics endpoint bound to 0.0.0.0 (--metrics-host 0.0.0.0) answers a scraper that uses any name', async () => {
  const server = await serveMetrics({ host: '0.0.0.0', port: 0, readiness: () => ({ ready: true }), logger: silentLogger });
  try {
    const answer = await get(server.port, '/healthz', { host: `pos-consumer.monitoring.svc:${server.port}` });
    assert.equal(answer.status, 200);
    assert.equal(answer.body, 'ok\n');
    assert.equal((await get(server.port, '/metrics', { host: '10.1.2.3' })).status, 200);
  } finally {
    await server.close();
  }
});

test('the metrics endpoint: a readiness check that fails gives 500 "internal error" and logs why', async () => {
  const { logger, lines } = capturingLogger();
  const server = await serveMetrics({
    host: '127.0.0.1',
    port: 0,
    readiness: () => {
      throw new Error('connect ECONNREFUSED db.internal.example:5432');
    },
    logger,
  });
  try {
    const answer = await get(server.port, '/readyz');
    assert.equal(answer.status, 500);
    assert.equal(answer.body, 'internal error\n');
    assert.ok(
      lines.some(
        (line) => line.level === 50 && String((line.err as { message?: string })?.message).includes('db.internal.example'),
      ),
      JSON.stringify(lines),
    );
  } finally {
    await server.close();
  }
});

test('the dashboard: the page and its files for loopback names with the content security policy; a foreign Host gets 421', async () => {
  const server = await serveDashboard({ host: '127.0.0.1', port: 0, feed: new LiveFeed('test'), logger: silentLogger });
  try {
    const page = await get(server.port, '/', { host: `localhost:${server.port}` });
    assert.equal(page.status, 200);
    assert.match(page.headers['content-type'] ?? '', /^text\/html/);
    assert.equal(
      page.headers['content-security-policy'],
      "default-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    );
    assert.equal(page.headers['x-content-type-options'], 'nosniff');
    // Under default-src 'self' inline code would not run: the page has only files of its own.
    assert.doesNotMatch(page.body, /<script(?![^>]*\ssrc=)[^>]*>|<style|\sstyle=|\son[a-z]+=/i);
    // With nosniff the browser runs a script or applies a style only with the right type.
    for (const [path, type] of [
      ['/dashboard.js', /^text\/javascript/],
      ['/vendor/uPlot.esm.js', /^text\/javascript/],
      ['/dashboard.css', /^text\/css/],
      ['/vendor/uPlot.min.css', /^text\/css/],
    ] as const) {
      const answer = await get(server.port, path, { host: '127.0.0.1' });
      assert.equal(answer.status, 200, path);
      assert.match(answer.headers['content-type'] ?? '', type, path);
      assert.equal(answer.headers['x-content-type-options'], 'nosniff', path);
    }
    for (const path of ['/', '/events', '/dashboard.js']) {
      const refused = await get(server.port, path, { host: 'rebound.example' });
      assert.equal(refused.status, 421, path);
      assert.doesNotMatch(refused.body, /pos-pipeline|retry:/, path);
    }
  } finally {
    await server.close();
  }
});
