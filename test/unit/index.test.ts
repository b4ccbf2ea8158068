import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { promisify } from 'node:util';

const run = promisify(execFile);
const source = (path: string) => JSON.stringify(new URL(`../../src/${path}`, import.meta.url).href);

test('importing the package compiles no schema and registers no metric; the first validation compiles the schema', async () => {
  // A fresh process: this one's modules may have been loaded, and used, by other tests.
  const script = `
    const api = await import(${source('index.ts')});
    const { schemaCompiled } = await import(${source('contract/validate.ts')});
    const { metricsRegistry, metricsRegistryCreated } = await import(${source('metrics/registry.ts')});
    const { consumerMetrics } = await import(${source('ingest/metrics.ts')});
    const names = async () => (await metricsRegistry().getMetricsAsJSON()).map((metric) => metric.name);
    const atImport = { exports: Object.keys(api).length, schemaCompiled: schemaCompiled(), registry: metricsRegistryCreated() };
    const pipelineMetrics = (await names()).filter((name) => name.startsWith('pos_'));
    const verdict = api.validateTransaction({ schema_version: 1 });
    const afterValidation = schemaCompiled();
    consumerMetrics();
    const afterConsumerMetrics = (await names()).filter((name) => name.startsWith('pos_'));
    console.log(JSON.stringify({ atImport, pipelineMetrics, verdict, afterValidation, afterConsumerMetrics }));
  `;
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script]);
  const seen = JSON.parse(stdout) as {
    atImport: { exports: number; schemaCompiled: boolean; registry: boolean };
    pipelineMetrics: string[];
    verdict: { ok: boolean; code?: string };
    afterValidation: boolean;
    afterConsumerMetrics: string[];
  };
  assert.ok(seen.atImport.exports > 10, 'the package was imported');
  assert.equal(seen.atImport.schemaCompiled, false, 'importing compiled the JSON Schema');
  assert.equal(seen.atImport.registry, false, 'importing made the metrics registry');
  assert.deepEqual(seen.pipelineMetrics, [], 'importing registered pipeline metrics');
  assert.equal(seen.verdict.ok, false);
  assert.equal(seen.verdict.code, 'schema');
  assert.equal(seen.afterValidation, true, 'the first validation compiles the JSON Schema');
  assert.ok(seen.afterConsumerMetrics.includes('pos_consumer_messages_total'));
  assert.ok(
    seen.afterConsumerMetrics.every((name) => name.startsWith('pos_consumer_')),
    'the consumer registers its own metrics, not the simulator’s',
  );
});
