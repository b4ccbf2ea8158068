import type { ChainName } from '../catalog/chains.ts';
import type { SchemaVersion } from '../contract/message.ts';
import { CONSUME_RULES } from '../ingest/options.ts';
import type { Config } from '../plumbing/config.ts';
import {
  ABORT_SIGNAL,
  checkOption,
  checkOptionalOption,
  FUNCTION,
  LOGGER,
  NON_EMPTY_TEXT,
  OPTIONS_OBJECT,
  objectWith,
  type Rule,
  TOPIC_NAME,
} from '../plumbing/options.ts';
import { contractOf, SIMULATION_RULES } from '../simulator/options.ts';

/**
 * What start() allows in each option: the simulator's rules for the tills, the consumer's for the
 * group; `pos start` parses its flags with the same rules (src/cli/start.ts).
 */
export const START_RULES = {
  config: {
    expected: 'a Config (from loadConfig())',
    accepts: (value): value is Config =>
      typeof value === 'object' &&
      value !== null &&
      ['kafka', 'database', 'metrics'].every((part) => typeof (value as Record<string, unknown>)[part] === 'object'),
  } satisfies Rule<Config>,
  logger: LOGGER,
  signal: ABORT_SIGNAL,
  rate: SIMULATION_RULES.rate,
  speed: SIMULATION_RULES.speed,
  durationMs: SIMULATION_RULES.durationMs,
  group: CONSUME_RULES.group,
  seed: SIMULATION_RULES.seed,
  chain: SIMULATION_RULES.chain,
  contract: SIMULATION_RULES.contract,
  stock: SIMULATION_RULES.stock,
  view: objectWith('a TerminalView', ['draw']),
  lastProblem: FUNCTION,
  consumerStatus: CONSUME_RULES.status,
  web: OPTIONS_OBJECT,
  webFeed: objectWith('a LiveFeed', ['publish']),
} as const;

type Unchecked<Names extends string> = { readonly [Name in Names]?: unknown };

/** start()'s options, checked before the broker starts: a ConfigError naming the first option that is wrong. */
export function checkStartOptions(options: Unchecked<Exclude<keyof typeof START_RULES, 'webFeed'>>): void {
  const where = 'start()';
  const rules = START_RULES;
  checkOption(where, 'options', options, OPTIONS_OBJECT);
  checkOption(where, 'config', options.config, rules.config);
  // The topic start() produces to and consumes from is the config's.
  checkOption(where, 'config.topic', (options.config as { topic?: unknown }).topic, TOPIC_NAME);
  checkOption(where, 'logger', options.logger, rules.logger);
  checkOption(where, 'signal', options.signal, rules.signal);
  checkOption(where, 'rate', options.rate, rules.rate);
  checkOption(where, 'speed', options.speed, rules.speed);
  checkOptionalOption(where, 'durationMs', options.durationMs, rules.durationMs);
  checkOptionalOption(where, 'group', options.group, rules.group);
  checkOption(where, 'seed', options.seed, rules.seed);
  checkOptionalOption(where, 'chain', options.chain, rules.chain);
  checkOptionalOption(where, 'contract', options.contract, rules.contract);
  contractOf((options.chain ?? 'us') as ChainName, options.contract as SchemaVersion | undefined);
  checkOptionalOption(where, 'stock', options.stock, rules.stock);
  checkOptionalOption(where, 'view', options.view, rules.view);
  checkOptionalOption(where, 'lastProblem', options.lastProblem, rules.lastProblem);
  checkOptionalOption(where, 'consumerStatus', options.consumerStatus, rules.consumerStatus);
  if (options.web !== undefined) {
    checkOption(where, 'web', options.web, rules.web);
    const web = options.web as { feed?: unknown; url?: unknown };
    checkOption(where, 'web.feed', web.feed, rules.webFeed);
    checkOption(where, 'web.url', web.url, NON_EMPTY_TEXT);
  }
}
