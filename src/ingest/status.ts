import type { Readiness } from '../metrics/endpoint.ts';
import { errorMessage } from '../plumbing/errors.ts';
import type { Warehouse } from '../warehouse/database.ts';
import { type ConsumerState, consumerMetrics } from './metrics.ts';

/** How long `/readyz` waits for the database to answer `select 1`. */
const PROBE_TIMEOUT_MS = 2000;

/** The order in which a member's state speaks for the whole consumer: the worst one. */
const SEVERITY: Record<ConsumerState, number> = {
  waiting_for_database: 4,
  waiting_for_kafka: 3,
  starting: 2,
  running: 1,
  stopped: 0,
};

/**
 * What the consumer is doing now, member by member, for `/readyz` and `pos_consumer_state`:
 * ready when every member has joined the group, is not waiting out an outage, and the database
 * answers. Pass one to `consume()` to ask it from outside (the metrics endpoint does).
 */
export class ConsumerStatus {
  readonly #members = new Map<number, { state: ConsumerState; reason?: string }>();
  #warehouse: Warehouse | undefined;

  /** The database that `readiness()` asks, once the consumer has one. */
  useDatabase(warehouse: Warehouse): void {
    this.#warehouse = warehouse;
  }

  set(member: number, state: ConsumerState, error?: unknown): void {
    this.#members.set(member, { state, ...(error === undefined ? {} : { reason: errorMessage(error) }) });
    const current = this.state;
    consumerMetrics().setState(current, current === 'running');
  }

  /** The worst member's state; 'starting' before any member has begun. */
  get state(): ConsumerState {
    let worst: ConsumerState | undefined;
    for (const { state } of this.#members.values()) if (worst === undefined || SEVERITY[state] > SEVERITY[worst]) worst = state;
    return worst ?? 'starting';
  }

  async readiness(): Promise<Readiness> {
    const members = [...this.#members.values()];
    const waiting = members.find((member) => member.state === this.state && member.reason !== undefined);
    const because = waiting?.reason ? `: ${waiting.reason}` : '';
    switch (this.state) {
      case 'starting':
        return { ready: false, reason: 'joining the consumer group' };
      case 'waiting_for_database':
        return { ready: false, reason: `waiting for the database${because}` };
      case 'waiting_for_kafka':
        return { ready: false, reason: `waiting for Kafka${because}` };
      case 'stopped':
        return { ready: false, reason: 'stopped' };
      case 'running':
        return this.#probeDatabase();
    }
  }

  /** A consumer with nothing to write would not notice a database that went away: ask it. */
  async #probeDatabase(): Promise<Readiness> {
    const warehouse = this.#warehouse;
    if (!warehouse) return { ready: true };
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${PROBE_TIMEOUT_MS / 1000} s`)), PROBE_TIMEOUT_MS);
    });
    try {
      await Promise.race([warehouse.query('select 1'), timeout]);
      return { ready: true };
    } catch (error) {
      return { ready: false, reason: `the database at ${warehouse.description} does not answer: ${errorMessage(error)}` };
    } finally {
      clearTimeout(timer);
    }
  }
}
