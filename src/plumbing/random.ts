/**
 * Seeded randomness: the same seed gives the same sequence on every machine and Node version
 * (no Math.random, only 32-bit integer arithmetic and Math functions on exact inputs).
 */

/** Mixes 32-bit words into one well-spread 32-bit hash (a murmur3-style finaliser per word). */
function hash32(...words: number[]): number {
  let h = 0x9e3779b9;
  for (const word of words) {
    let k = Math.imul(word | 0, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    h ^= Math.imul(k, 0x1b873593);
    h = Math.imul((h << 13) | (h >>> 19), 5) + 0xe6546b64;
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A seed as two 32-bit words, so seeds up to 2^53 stay distinct. */
function seedWords(seed: number): [number, number] {
  return [seed >>> 0, Math.floor(seed / 2 ** 32) >>> 0];
}

/** sfc32: small, fast, and good enough for simulation; its state is four 32-bit words. */
export class Random {
  #a: number;
  #b: number;
  #c: number;
  #d: number;

  /** A generator for `key` words under `seed`: each entity (store 7, customer 123…) gets a stream of its own. */
  constructor(seed: number, ...key: number[]) {
    const [low, high] = seedWords(seed);
    this.#a = hash32(low, high, 1, ...key);
    this.#b = hash32(low, high, 2, ...key);
    this.#c = hash32(low, high, 3, ...key);
    this.#d = 1;
    for (let i = 0; i < 12; i++) this.uint32();
  }

  uint32(): number {
    const t = (((this.#a + this.#b) | 0) + this.#d) | 0;
    this.#d = (this.#d + 1) | 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) | 0;
    this.#c = (this.#c << 21) | (this.#c >>> 11);
    this.#c = (this.#c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.uint32() / 4_294_967_296;
  }

  /** Uniform integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)] as T;
  }

  /** One of the values, with the probabilities given beside them (which add up to 1). */
  choose<T>(mix: readonly (readonly [T, number])[]): T {
    let left = this.next();
    for (const [value, probability] of mix) {
      left -= probability;
      if (left < 0) return value;
    }
    return (mix[mix.length - 1] as readonly [T, number])[0];
  }

  /** Shuffles `items` in place (Fisher–Yates) and returns it. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [items[i], items[j]] = [items[j] as T, items[i] as T];
    }
    return items;
  }

  /** Standard normal (Box–Muller). */
  normal(): number {
    const u = 1 - this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }

  /** Lognormal with the given mean and shape: right-skewed, like prices and basket sizes. */
  lognormal(mean: number, sigma: number): number {
    return Math.exp(Math.log(mean) - (sigma * sigma) / 2 + sigma * this.normal());
  }

  /** Exponential with the given mean. */
  exponential(mean: number): number {
    return -Math.log(1 - this.next()) * mean;
  }

  /** A version-4 UUID made of this generator's bits, so that it repeats with the seed. */
  uuid(): string {
    const a = this.uint32();
    const b = (this.uint32() & 0xffff0fff) | 0x00004000;
    const c = (this.uint32() & 0x3fffffff) | 0x80000000;
    const d = this.uint32();
    return `${hex4(a)}-${hex2(b >>> 16)}-${hex2(b)}-${hex2(c >>> 16)}-${hex2(c)}${hex4(d)}`;
  }
}

const BYTE_HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
/** The low 16 bits as 4 hex digits. */
const hex2 = (word: number) => (BYTE_HEX[(word >>> 8) & 0xff] as string) + (BYTE_HEX[word & 0xff] as string);
/** 32 bits as 8 hex digits. */
const hex4 = (word: number) => hex2(word >>> 16) + hex2(word);

/** Picks index i with probability weights[i] / Σ weights, in O(log n). */
export class WeightedChoice {
  readonly #cumulative: Float64Array;

  constructor(weights: readonly number[]) {
    this.#cumulative = new Float64Array(weights.length);
    let total = 0;
    weights.forEach((weight, i) => {
      total += weight;
      this.#cumulative[i] = total;
    });
  }

  sample(random: Random): number {
    const cumulative = this.#cumulative;
    const target = random.next() * (cumulative[cumulative.length - 1] ?? 0);
    let low = 0;
    let high = cumulative.length - 1;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if ((cumulative[mid] ?? 0) > target) high = mid;
      else low = mid + 1;
    }
    return low;
  }
}

/**
 * Zipf-distributed ranks 1..n (P(k) ∝ k^-s) by rejection-inversion (Hörmann & Derflinger, 1996):
 * O(1) time and memory whatever n, so 100,000 products cost nothing to set up.
 */
export class ZipfSampler {
  readonly #n: number;
  readonly #s: number;
  readonly #hIntegralX1: number;
  readonly #hIntegralN: number;
  readonly #threshold: number;

  constructor(n: number, exponent: number) {
    if (!(n >= 1) || !(exponent > 0)) throw new RangeError('ZipfSampler needs n ≥ 1 and an exponent > 0');
    this.#n = n;
    this.#s = exponent;
    this.#hIntegralX1 = this.#hIntegral(1.5) - 1;
    this.#hIntegralN = this.#hIntegral(n + 0.5);
    this.#threshold = 2 - this.#hIntegralInverse(this.#hIntegral(2.5) - this.#h(2));
  }

  /** A rank in 1..n; rank 1 is the most frequent. */
  sample(random: Random): number {
    for (;;) {
      const u = this.#hIntegralN + random.next() * (this.#hIntegralX1 - this.#hIntegralN);
      const x = this.#hIntegralInverse(u);
      const k = Math.min(this.#n, Math.max(1, Math.round(x)));
      if (k - x <= this.#threshold || u >= this.#hIntegral(k + 0.5) - this.#h(k)) return k;
    }
  }

  /** h(x) = x^-s, the density the ranks follow. */
  #h(x: number): number {
    return Math.exp(-this.#s * Math.log(x));
  }

  /** H(x), an antiderivative of h: (x^(1-s) − 1) / (1 − s), continuous at s = 1 (→ log x). */
  #hIntegral(x: number): number {
    const logX = Math.log(x);
    return expm1OverX((1 - this.#s) * logX) * logX;
  }

  #hIntegralInverse(y: number): number {
    let t = y * (1 - this.#s);
    if (t < -1) t = -1; // guards rounding at the bottom of the range
    return Math.exp(log1pOverX(t) * y);
  }
}

/** (e^x − 1) / x, accurate near 0. */
function expm1OverX(x: number): number {
  return Math.abs(x) > 1e-8 ? Math.expm1(x) / x : 1 + x / 2 + (x * x) / 6;
}

/** log(1 + x) / x, accurate near 0. */
function log1pOverX(x: number): number {
  return Math.abs(x) > 1e-8 ? Math.log1p(x) / x : 1 - x / 2 + (x * x) / 3;
}
