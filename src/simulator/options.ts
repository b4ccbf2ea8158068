import { CATEGORIES } from '../catalog/categories.ts';
import { CHAIN_NAMES, CHAINS, type ChainName, chainMinimumProducts } from '../catalog/chains.ts';
import type { SchemaVersion } from '../contract/message.ts';
import { ConfigError } from '../plumbing/errors.ts';
import {
  ABORT_SIGNAL,
  checkOption,
  checkOptionalOption,
  FUNCTION,
  ISO_DATE,
  LOGGER,
  numberAbove,
  OPTIONS_OBJECT,
  objectWith,
  oneOf,
  type Rule,
  wholeNumber,
} from '../plumbing/options.ts';
import { MAX_STOCKED_PAIRS } from './stock.ts';

/**
 * What simulate() allows in each option; `pos simulate` and `pos start` parse their flags with the
 * same rules (src/cli/simulate.ts, src/cli/start.ts), so that the two allow the same values.
 */
export const SIMULATION_RULES = {
  seed: wholeNumber(0),
  catalogSeed: wholeNumber(0),
  stores: wholeNumber(1, 100_000),
  /** At least one per category. */
  products: wholeNumber(CATEGORIES.length, 10_000_000),
  customers: wholeNumber(1, 100_000_000),
  chain: oneOf(CHAIN_NAMES),
  contract: wholeNumber(1, 2),
  kind: oneOf(['backfill', 'realtime'] as const),
  count: wholeNumber(1),
  startDate: ISO_DATE,
  days: wholeNumber(1, 3660),
  rate: numberAbove(0),
  speed: numberAbove(0),
  durationMs: numberAbove(0, 'milliseconds'),
  startAt: {
    expected: 'a time as milliseconds since 1970 (as Date.now() gives it)',
    accepts: (value): value is number => typeof value === 'number' && Number.isFinite(value),
  } satisfies Rule<number>,
  sink: objectWith('a MessageSink (with write() and close())', ['write', 'close']),
  logger: LOGGER,
  signal: ABORT_SIGNAL,
  progressStream: objectWith('a writable stream, such as process.stderr', ['write']),
  onTransaction: FUNCTION,
  threads: wholeNumber(0, 64),
  stock: {
    expected: 'true or false',
    accepts: (value): value is boolean => typeof value === 'boolean',
  } satisfies Rule<boolean>,
  inventorySink: objectWith('a MessageSink (with write() and close())', ['write', 'close']),
} as const;

/** The options of one mode only: given with the other, they would be ignored. */
const MODE_OPTIONS = {
  backfill: ['count', 'startDate', 'days'],
  realtime: ['rate', 'speed', 'durationMs', 'startAt'],
} as const;

/**
 * A chain needs a customer for each store (every store has its regulars): `name` says how the
 * caller calls the two sizes (`sizes.stores`, or `--stores`).
 */
export function checkCustomersPerStore(
  sizes: { stores: number; customers: number },
  name: (size: 'stores' | 'customers') => string,
  where?: string,
): void {
  if (sizes.customers < sizes.stores) {
    throw new ConfigError(
      `${where ? `${where}: ` : ''}${name('customers')} ${sizes.customers} is fewer than ${name('stores')} ${sizes.stores}.`,
      'Give every store at least one customer.',
    );
  }
}

/**
 * Stock is kept per store and product (src/simulator/stock.ts), for so many pairs at most: `name`
 * says how the caller calls the sizes, `without` how to run without stock.
 */
export function checkStockedSizes(
  sizes: { stores: number; products: number },
  name: (size: 'stores' | 'products') => string,
  without: string,
  where?: string,
): void {
  const pairs = sizes.stores * sizes.products;
  if (pairs > MAX_STOCKED_PAIRS) {
    throw new ConfigError(
      `${where ? `${where}: ` : ''}stock is kept for each store and product, ${MAX_STOCKED_PAIRS.toLocaleString('en-US')} pairs at most, ` +
        `and ${name('stores')} ${sizes.stores.toLocaleString('en-US')} × ${name('products')} ${sizes.products.toLocaleString('en-US')} ` +
        `is ${pairs.toLocaleString('en-US')}.`,
      `Give fewer stores or products, or run without stock (${without}).`,
    );
  }
}

/**
 * The contract version a chain's messages are written in: `contract`, or the chain's default
 * when absent. A version the chain cannot be written in is refused, saying why and what to use;
 * `name` says how the caller calls the option (`contract`, or `--contract`).
 */
export function contractOf(chain: ChainName, contract: SchemaVersion | undefined, name = 'contract'): SchemaVersion {
  const { contracts, refusal } = CHAINS[chain];
  const [preferred] = contracts as [SchemaVersion];
  if (contract === undefined) return preferred;
  if (!contracts.includes(contract)) {
    throw new ConfigError(
      `The ${chain} chain cannot be written in contract v${contract}${refusal ? `: ${refusal}` : ''}.`,
      `Use ${name} ${contracts.join(' or ')} (or leave it out: the ${chain} chain writes v${preferred}).`,
    );
  }
  return contract;
}

/** A chain's catalog lists some products and needs one of each category more: `name` says how the caller calls the size. */
export function checkProductsOfChain(products: number, chain: ChainName, name: string, where?: string): void {
  const minimum = chainMinimumProducts(chain);
  if (products < minimum) {
    throw new ConfigError(
      `${where ? `${where}: ` : ''}${name} ${products} is too few for the ${chain} chain.`,
      `Give it at least ${minimum}: the products it always lists and one of each of its categories.`,
    );
  }
}

type Unchecked<Names extends string> = { readonly [Name in Names]?: unknown };

/** simulate()'s options, checked before anything is made: a ConfigError naming the first option that is wrong. */
export function checkSimulationOptions(
  options: Unchecked<
    | 'seed'
    | 'catalogSeed'
    | 'sizes'
    | 'chain'
    | 'contract'
    | 'mode'
    | 'sink'
    | 'logger'
    | 'signal'
    | 'progressStream'
    | 'onTransaction'
    | 'threads'
    | 'stock'
    | 'inventorySink'
  >,
): void {
  const where = 'simulate()';
  const rules = SIMULATION_RULES;
  checkOption(where, 'options', options, OPTIONS_OBJECT);
  checkOption(where, 'seed', options.seed, rules.seed);
  checkOptionalOption(where, 'catalogSeed', options.catalogSeed, rules.catalogSeed);
  checkOption(where, 'sizes', options.sizes, OPTIONS_OBJECT);
  const sizes = options.sizes as Unchecked<'stores' | 'products' | 'customers'>;
  checkOption(where, 'sizes.stores', sizes.stores, rules.stores);
  checkOption(where, 'sizes.products', sizes.products, rules.products);
  checkOption(where, 'sizes.customers', sizes.customers, rules.customers);
  checkCustomersPerStore({ stores: sizes.stores, customers: sizes.customers }, (size) => `sizes.${size}`, where);
  checkOptionalOption(where, 'chain', options.chain, rules.chain);
  const chain = (options.chain ?? 'us') as ChainName;
  checkProductsOfChain(sizes.products as number, chain, 'sizes.products', where);
  checkOptionalOption(where, 'contract', options.contract, rules.contract);
  contractOf(chain, options.contract as SchemaVersion | undefined);
  checkOption(where, 'mode', options.mode, OPTIONS_OBJECT);
  const mode = options.mode as Unchecked<'kind' | (typeof MODE_OPTIONS)[keyof typeof MODE_OPTIONS][number]>;
  checkOption(where, 'mode.kind', mode.kind, rules.kind);
  const other = mode.kind === 'backfill' ? 'realtime' : 'backfill';
  for (const name of MODE_OPTIONS[other]) {
    if (mode[name] !== undefined) {
      throw new ConfigError(
        `${where}: mode.${name} is for a ${other} mode, and mode.kind is "${mode.kind}".`,
        `A backfill takes ${MODE_OPTIONS.backfill.join(', ')}; real time takes ${MODE_OPTIONS.realtime.join(', ')}.`,
      );
    }
  }
  if (mode.kind === 'backfill') {
    checkOption(where, 'mode.count', mode.count, rules.count);
    checkOption(where, 'mode.startDate', mode.startDate, rules.startDate);
    checkOption(where, 'mode.days', mode.days, rules.days);
  } else {
    checkOption(where, 'mode.rate', mode.rate, rules.rate);
    checkOption(where, 'mode.speed', mode.speed, rules.speed);
    checkOptionalOption(where, 'mode.durationMs', mode.durationMs, rules.durationMs);
    checkOptionalOption(where, 'mode.startAt', mode.startAt, rules.startAt);
  }
  checkOption(where, 'sink', options.sink, rules.sink);
  checkOptionalOption(where, 'logger', options.logger, rules.logger);
  checkOptionalOption(where, 'signal', options.signal, rules.signal);
  checkOptionalOption(where, 'progressStream', options.progressStream, rules.progressStream);
  checkOptionalOption(where, 'onTransaction', options.onTransaction, rules.onTransaction);
  checkOptionalOption(where, 'threads', options.threads, rules.threads);
  checkOptionalOption(where, 'stock', options.stock, rules.stock);
  checkOptionalOption(where, 'inventorySink', options.inventorySink, rules.inventorySink);
  if (options.stock === true) {
    checkStockedSizes(
      { stores: sizes.stores as number, products: sizes.products as number },
      (size) => `sizes.${size}`,
      'stock: false',
      where,
    );
  } else if (options.inventorySink !== undefined) {
    throw new ConfigError(
      `${where}: inventorySink is given, and stock is ${options.stock === false ? 'false' : 'off (the default)'}.`,
      'Give stock: true to keep stock and send its inventory messages there, or leave inventorySink out.',
    );
  }
}
