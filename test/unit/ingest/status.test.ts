import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConsumerStatus } from '../../../src/ingest/status.ts';
import { metricsRegistry } from '../../../src/metrics/registry.ts';

async function gauge(name: string, labels: Record<string, string> = {}): Promise<number | undefined> {
  const metric = (await metricsRegistry().getMetricsAsJSON()).find((entry) => entry.name === name);
  const value = metric?.values.find((entry) => Object.entries(labels).every(([key, label]) => entry.labels[key] === label));
  return value?.value;
}

test('the consumer is as ready as its worst member, says why not, and shows it in pos_consumer_state', async () => {
  const status = new ConsumerStatus();
  assert.deepEqual(await status.readiness(), { ready: false, reason: 'joining the consumer group' });
  status.set(0, 'running');
  status.set(1, 'starting');
  assert.equal(status.state, 'starting');
  status.set(1, 'running');
  assert.deepEqual(await status.readiness(), { ready: true });
  assert.equal(await gauge('pos_consumer_ready'), 1);
  status.set(1, 'waiting_for_database', new Error('connection refused'));
  status.set(0, 'waiting_for_kafka', new Error('broker down'));
  assert.deepEqual(await status.readiness(), { ready: false, reason: 'waiting for the database: connection refused' });
  assert.equal(await gauge('pos_consumer_state', { state: 'waiting_for_database' }), 1);
  assert.equal(await gauge('pos_consumer_state', { state: 'running' }), 0);
  assert.equal(await gauge('pos_consumer_ready'), 0);
  status.set(1, 'running');
  assert.deepEqual(await status.readiness(), { ready: false, reason: 'waiting for Kafka: broker down' });
});
