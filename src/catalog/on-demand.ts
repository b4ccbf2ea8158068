/**
 * Entities made on demand from their index, with the most recently made ones kept around
 * (up to `limit`; then the cache starts afresh). Memory stays flat however large the catalog.
 */
export class OnDemand<T> {
  readonly #cache = new Map<number, T>();
  readonly #make: (index: number) => T;
  readonly #limit: number;

  constructor(make: (index: number) => T, limit = 50_000) {
    this.#make = make;
    this.#limit = limit;
  }

  get(index: number): T {
    let entity = this.#cache.get(index);
    if (entity === undefined) {
      if (this.#cache.size >= this.#limit) this.#cache.clear();
      entity = this.#make(index);
      this.#cache.set(index, entity);
    }
    return entity;
  }
}
