import { client, metricsRegistry } from '../metrics/registry.ts';

export type ProducerMetrics = ReturnType<typeof createProducerMetrics>;
export type SimulatorMetrics = ReturnType<typeof createSimulatorMetrics>;

let producer: ProducerMetrics | undefined;
let simulator: SimulatorMetrics | undefined;

/**
 * The producer's metrics (the simulator's Kafka sink), in the process's one registry (README,
 * "Monitoring"), registered on the first call (a sink opening, or a command about to serve
 * `/metrics`): importing registers nothing.
 */
export function producerMetrics(): ProducerMetrics {
  if (!producer) producer = createProducerMetrics();
  return producer;
}

/** The simulator's own metrics, registered on the first call (a simulation starting, or a command about to serve `/metrics`). */
export function simulatorMetrics(): SimulatorMetrics {
  if (!simulator) simulator = createSimulatorMetrics();
  return simulator;
}

function createProducerMetrics() {
  const registers = [metricsRegistry()];
  return {
    transactions: new client.Counter({
      name: 'pos_producer_transactions_total',
      help: 'Transactions Kafka has acknowledged (acks=all)',
      registers,
    }),
    bytes: new client.Counter({
      name: 'pos_producer_bytes_total',
      help: 'Bytes of message values Kafka has acknowledged',
      registers,
    }),
    sendFailures: new client.Counter({
      name: 'pos_producer_send_failures_total',
      help: "Batches Kafka did not take after the client's retries",
      registers,
    }),
    failedTransactions: new client.Counter({
      name: 'pos_producer_failed_transactions_total',
      help: 'Transactions in the batches Kafka did not take',
      registers,
    }),
    sendDuration: new client.Histogram({
      name: 'pos_producer_send_duration_seconds',
      help: 'From handing a batch to the Kafka client to its acknowledgement (or failure)',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
  };
}

function createSimulatorMetrics() {
  const registers = [metricsRegistry()];
  return {
    clock: new client.Gauge({
      name: 'pos_simulator_clock_seconds',
      help: 'The simulated time of the latest transaction made, as a Unix time (real time only)',
      registers,
    }),
    running: new client.Gauge({
      name: 'pos_simulator_running',
      help: 'Whether a simulation is making transactions now (1) or not (0)',
      registers,
    }),
    made: new client.Counter({
      name: 'pos_simulator_transactions_made_total',
      help: 'Transactions the simulator made and handed to its sink',
      registers,
    }),
  };
}
