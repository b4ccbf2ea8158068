import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type Browser, chromium, type Page } from 'playwright-core';
import { findFreePort } from '../../src/broker/local-broker.ts';
import { waitUntil } from '../../src/plumbing/wait.ts';
import { openWarehouse } from '../../src/warehouse/database.ts';
import {
  createTestDatabase,
  PROJECT_ROOT,
  type RunningCli,
  runCli,
  startCli,
  type TestDatabase,
  testBrokers,
  uniqueName,
} from './support/environment.ts';
import { chromiumPath } from './support/prerequisites.ts';

/** Waits for a line on stdout (the command is ready), or fails with what the command wrote. */
async function waitForOutput(running: RunningCli, pattern: RegExp, timeoutMs = 90_000): Promise<void> {
  const seen = waitUntil(() => pattern.test(running.output().stdout), { what: `${pattern} on stdout`, timeoutMs });
  const exited = running.result.then(({ code }) => {
    throw new Error(`the command exited with code ${code} first`);
  });
  try {
    await Promise.race([seen, exited]);
  } catch (error) {
    const { stdout, stderr } = running.output();
    throw new Error(`${(error as Error).message}\nstdout:\n${stdout.slice(-2000)}\nstderr:\n${stderr.slice(-4000)}`);
  }
}

const tileValue = (page: Page, id: string) => page.locator(`#${id}`).getAttribute('data-value');
const state = (page: Page) => page.locator('#status').getAttribute('data-state');

describe('the web dashboard', () => {
  let folder: string;
  let database: TestDatabase;
  let browser: Browser;

  before(async () => {
    folder = await mkdtemp(join(tmpdir(), 'pos-dashboard-'));
    database = await createTestDatabase();
    browser = await chromium.launch({ executablePath: chromiumPath(), headless: true, args: ['--no-sandbox'] });
  });
  after(async () => {
    await browser?.close();
    await database?.drop();
    await rm(folder, { recursive: true, force: true });
  });

  test('during pos start the page updates live; its by-store total equals the facts; it reconnects to a restarted server', {
    timeout: 300_000,
  }, async () => {
    const port = await findFreePort();
    const env = { KAFKA_BROKERS: testBrokers().join(','), POS_TOPIC: uniqueName('dashboard'), DATABASE_URL: database.url };
    const group = uniqueName('dashboard');
    const running = startCli(
      ['start', '--duration', '40s', '--rate', '20', '--speed', '60', '--web-port', String(port), '--group', group],
      {
        env,
        cwd: folder,
        timeoutMs: 240_000,
      },
    );
    await waitForOutput(running, /Dashboard at http:\/\/127\.0\.0\.1:\d+\//);
    assert.match(running.output().stdout, new RegExp(`Dashboard at http://127\\.0\\.0\\.1:${port}/`));

    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    // The page works under its Content-Security-Policy: Chromium logs whatever the policy blocks.
    const blocked: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error' && /Content Security Policy/i.test(message.text())) blocked.push(message.text());
    });
    const url = `http://127.0.0.1:${port}/`;
    const served = await page.goto(url);
    assert.match(served?.headers()['content-security-policy'] ?? '', /default-src 'self'/);
    assert.equal(await page.title(), 'pos-pipeline — live dashboard');
    const first = await waitUntil(async () => Number((await tileValue(page, 'landed')) || 0) || undefined, {
      what: 'the landed tile to show transactions',
      timeoutMs: 90_000,
    });
    await waitUntil(async () => Number((await tileValue(page, 'landed')) || 0) > first, {
      what: `the landed tile to grow beyond ${first}`,
      timeoutMs: 60_000,
    });
    assert.equal(await state(page), 'connected');
    assert.deepEqual(blocked, [], 'nothing the page needs is blocked by its policy');
    if (process.env.POS_DASHBOARD_SCREENSHOT) {
      // Charts with a few seconds of history look like the real thing.
      await waitUntil(async () => Number((await tileValue(page, 'landed')) || 0) > first + 300, {
        what: 'more transactions for the screenshot',
        timeoutMs: 60_000,
      });
      await page.screenshot({ path: join(PROJECT_ROOT, 'docs', 'dashboard.png') });
    }

    const result = await running.result;
    assert.equal(result.code, 0, result.stderr);
    await waitUntil(async () => (await state(page)) === 'disconnected', {
      what: 'the page to show that it is disconnected',
      timeoutMs: 30_000,
    });
    assert.match(await page.locator('#status').innerText(), /Disconnected/);

    // The same port, now `pos dashboard`: the page reconnects by itself and shows the warehouse as it is.
    const dashboard = startCli(['dashboard', '--web-port', String(port), '--group', group], {
      env,
      cwd: folder,
      timeoutMs: 240_000,
    });
    try {
      await waitForOutput(dashboard, /Dashboard at/);
      const warehouse = await openWarehouse(database.config);
      try {
        const [facts] = await warehouse.query<{ transactions: number; total: string }>(
          `select count(*)::int as transactions, sum(total)::text as total from pos.fact_transaction`,
        );
        assert.ok(facts && facts.transactions > 0);
        await waitUntil(
          async () =>
            (await state(page)) === 'connected' &&
            Number(await tileValue(page, 'landed')) === facts.transactions &&
            (
              await warehouse.query<{ equal: boolean }>('select $1::numeric = $2::numeric as equal', [
                await tileValue(page, 'by-store-total'),
                facts.total,
              ])
            )[0]?.equal,
          { what: `the page to reconnect and show ${facts.transactions} transactions, ${facts.total} in all`, timeoutMs: 60_000 },
        );
      } finally {
        await warehouse.close();
      }
    } finally {
      dashboard.child.kill('SIGINT');
      const stopped = await dashboard.result;
      assert.equal(stopped.code, 0, stopped.stderr);
      await page.close();
    }
  });

  test('pos dashboard over a backfilled warehouse shows the same per-store totals as pos report sales-by-store', {
    timeout: 300_000,
  }, async () => {
    const backfill = await createTestDatabase();
    const topic = uniqueName('dashboard_backfill');
    const group = uniqueName('dashboard_group');
    const env = { KAFKA_BROKERS: testBrokers().join(','), DATABASE_URL: backfill.url };
    try {
      const produced = await runCli(['simulate', '--topic', topic, '--count', '2000', '--days', '7', '--seed', '12'], { env });
      assert.equal(produced.code, 0, produced.stderr);
      const consumed = await runCli(['consume', '--topic', topic, '--group', group, '--until-idle', '5s'], { env });
      assert.equal(consumed.code, 0, consumed.stderr);
      const report = await runCli(['report', 'sales-by-store', '--format', 'json'], { env });
      assert.equal(report.code, 0, report.stderr);
      const expected = (JSON.parse(report.stdout) as { store_id: string; transactions: number; total: string }[]).map(
        ({ store_id, transactions, total }) => [store_id, String(transactions), total],
      );
      assert.ok(expected.length > 0);

      const port = await findFreePort();
      const dashboard = startCli(['dashboard', '--web-port', String(port), '--topic', topic, '--group', group], {
        env,
        timeoutMs: 240_000,
      });
      const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
      try {
        await waitForOutput(dashboard, /Dashboard at/);
        await page.goto(`http://127.0.0.1:${port}/`);
        // Each store's all-time transactions and total, as the page shows them (money with separators).
        const shown = () =>
          page.locator('#by-store tbody tr').evaluateAll((rows) =>
            rows.map((row) => {
              const cells = [...row.querySelectorAll('td')].map((td) => td.textContent ?? '');
              return [cells[0], cells[5]?.replaceAll(',', ''), cells[6]?.replaceAll(',', '')];
            }),
          );
        await waitUntil(async () => JSON.stringify(await shown()) === JSON.stringify(expected), {
          what: "the page to show the report's per-store totals",
          timeoutMs: 60_000,
        }).catch(async (error: Error) => {
          throw new Error(`${error.message}\npage: ${JSON.stringify(await shown())}\nreport: ${JSON.stringify(expected)}`);
        });
        // Each store's currency beside its name: the US chain trades in dollars.
        const currencies = await page
          .locator('#by-store tbody tr')
          .evaluateAll((rows) => rows.map((row) => row.querySelectorAll('td')[2]?.textContent));
        assert.deepEqual(new Set(currencies), new Set(['USD']));
        // Kafka answers: the topic's messages are the produced tile, and the group has read them all.
        await waitUntil(async () => (await tileValue(page, 'produced')) === '2000' && (await tileValue(page, 'lag')) === '0', {
          what: 'the Kafka figures (2000 produced, lag 0)',
          timeoutMs: 60_000,
        });
      } finally {
        await page.close();
        dashboard.child.kill('SIGINT');
        const stopped = await dashboard.result;
        assert.equal(stopped.code, 0, stopped.stderr);
      }
    } finally {
      await backfill.drop();
    }
  });

  test('a busy port is a clear error naming it', { timeout: 60_000 }, async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as { port: number };
    try {
      const result = await runCli(['dashboard', '--web-port', String(port)], {
        env: { DATABASE_URL: database.url, KAFKA_BROKERS: testBrokers().join(',') },
        cwd: folder,
      });
      assert.notEqual(result.code, 0);
      assert.match(result.stderr, new RegExp(`127\\.0\\.0\\.1:${port}`));
      assert.match(result.stderr, /Another process uses that port/);
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });
});
