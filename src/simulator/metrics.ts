import { client, registry } from '../metrics/registry.ts';

/** The simulator's and its producer's metrics, in the process's one registry (README, "Monitoring"). */
export const producerMetrics = {
  transactions: new client.Counter({
    name: 'pos_producer_transactions_total',
    help: 'Transactions Kafka has acknowledged (acks=all)',
    registers: [registry],
  }),
  bytes: new client.Counter({
    name: 'pos_producer_bytes_total',
    help: 'Bytes of message values Kafka has acknowledged',
    registers: [registry],
  }),
  sendFailures: new client.Counter({
    name: 'pos_producer_send_failures_total',
    help: "Batches Kafka did not take after the client's retries",
    registers: [registry],
  }),
  failedTransactions: new client.Counter({
    name: 'pos_producer_failed_transactions_total',
    help: 'Transactions in the batches Kafka did not take',
    registers: [registry],
  }),
  sendDuration: new client.Histogram({
    name: 'pos_producer_send_duration_seconds',
    help: 'From handing a batch to the Kafka client to its acknowledgement (or failure)',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  }),
};

export const simulatorMetrics = {
  clock: new client.Gauge({
    name: 'pos_simulator_clock_seconds',
    help: 'The simulated time of the latest transaction made, as a Unix time (real time only)',
    registers: [registry],
  }),
  running: new client.Gauge({
    name: 'pos_simulator_running',
    help: 'Whether a simulation is making transactions now (1) or not (0)',
    registers: [registry],
  }),
  made: new client.Counter({
    name: 'pos_simulator_transactions_made_total',
    help: 'Transactions the simulator made and handed to its sink',
    registers: [registry],
  }),
};
