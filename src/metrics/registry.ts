import type { BaseOptions } from '@platformatic/kafka';
import client from 'prom-client';

let registry: client.Registry | undefined;

/**
 * The process's one metrics registry: the pipeline's own metrics (src/ingest/metrics.ts,
 * src/simulator/metrics.ts), the Kafka clients' and the process defaults (CPU, memory, event
 * loop, GC) all go here, and `GET /metrics` (src/metrics/endpoint.ts) serves it. Made on the
 * first call, with the defaults: importing the package registers nothing.
 */
export function metricsRegistry(): client.Registry {
  if (registry) return registry;
  registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry });
  // Gauges named like counters, which Prometheus's conventions (and `promtool check metrics`)
  // refuse; `nodejs_active_handles{type}` and its siblings carry the same counts.
  for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) {
    registry.removeSingleMetric(name);
  }
  return registry;
}

/** Whether anything has asked for the registry yet (a diagnostic: importing the package makes none). */
export function metricsRegistryCreated(): boolean {
  return registry !== undefined;
}

export { client };

type KafkaClientMetrics = NonNullable<BaseOptions['metrics']>;

/**
 * What a @platformatic/kafka client needs to report into the registry, labelled with its client
 * id. The client names its counters without the `_total` suffix that Prometheus's conventions
 * (and `promtool check metrics`) require, so its counters are registered with the suffix added.
 */
export function kafkaClientMetrics(clientId: string): KafkaClientMetrics {
  class SuffixedCounter extends client.Counter {
    constructor(options: client.CounterConfiguration<string>) {
      super({ ...options, name: `${options.name}_total` });
    }
  }
  const registry = metricsRegistry();
  const kafkaRegistry = {
    getSingleMetric: (name: string) => registry.getSingleMetric(name) ?? registry.getSingleMetric(`${name}_total`),
    registerMetric: (metric: client.Metric) => registry.registerMetric(metric),
  };
  return {
    registry: kafkaRegistry as unknown as KafkaClientMetrics['registry'],
    client: { ...client, Counter: SuffixedCounter } as unknown as KafkaClientMetrics['client'],
    labels: { client_id: clientId },
  };
}
