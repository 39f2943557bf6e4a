/**
 * A small bounded LRU with a TTL for query_range answers, so that a chart opened, closed and
 * opened again (or two charts of the same series) cost one query to the source. Bounded by
 * entries and by weight (points held); concurrent loads of one key share one query; failures
 * are not kept.
 */

export interface RangeKey {
  expr: string;
  startMs: number;
  endMs: number;
  stepMs: number;
}

export function rangeKey(k: RangeKey): string {
  return JSON.stringify([k.expr, k.startMs, k.endMs, k.stepMs]);
}

/**
 * A range aligned to its step, so that charts asking "the last hour" a few seconds apart ask
 * the same range (and Prometheus answers the same points).
 */
export function alignRange(startMs: number, endMs: number, stepMs: number): { startMs: number; endMs: number } {
  return { startMs: Math.floor(startMs / stepMs) * stepMs, endMs: Math.ceil(endMs / stepMs) * stepMs };
}

export interface QueryCacheOptions<V> {
  maxEntries: number;
  ttlMs: number;
  /** The most total weight held (default: unbounded beyond maxEntries). */
  maxWeight?: number;
  /** An entry's weight, e.g. its number of points (default 1). */
  weigh?: (value: V) => number;
  now?: () => number;
}

interface Entry<V> {
  value: V;
  weight: number;
  expiresAtMs: number;
}

export class QueryCache<V> {
  // A Map iterates in insertion order: re-inserting on use makes the first key the least recent.
  readonly #entries = new Map<string, Entry<V>>();
  readonly #loading = new Map<string, Promise<V>>();
  #weight = 0;
  readonly #options: Required<Omit<QueryCacheOptions<V>, 'maxWeight'>> & { maxWeight: number };

  constructor(options: QueryCacheOptions<V>) {
    this.#options = {
      maxEntries: options.maxEntries,
      ttlMs: options.ttlMs,
      maxWeight: options.maxWeight ?? Infinity,
      weigh: options.weigh ?? (() => 1),
      now: options.now ?? Date.now,
    };
  }

  get size(): number {
    return this.#entries.size;
  }

  get weight(): number {
    return this.#weight;
  }

  get(key: RangeKey): V | undefined {
    const id = rangeKey(key);
    const entry = this.#entries.get(id);
    if (!entry) return undefined;
    if (entry.expiresAtMs <= this.#options.now()) {
      this.#delete(id);
      return undefined;
    }
    this.#entries.delete(id);
    this.#entries.set(id, entry);
    return entry.value;
  }

  /** Keeps value for ttlMs (default: the cache's TTL), e.g. shorter for a range that reaches now. */
  set(key: RangeKey, value: V, ttlMs = this.#options.ttlMs): void {
    const id = rangeKey(key);
    this.#delete(id);
    const weight = this.#options.weigh(value);
    // Larger than the whole cache: kept by nobody.
    if (weight > this.#options.maxWeight || this.#options.maxEntries <= 0 || !(ttlMs > 0)) return;
    this.#entries.set(id, { value, weight, expiresAtMs: this.#options.now() + ttlMs });
    this.#weight += weight;
    for (const oldest of this.#entries.keys()) {
      if (this.#entries.size <= this.#options.maxEntries && this.#weight <= this.#options.maxWeight) break;
      this.#delete(oldest);
    }
  }

  /** The cached value, or one load shared by every caller asking for the same key meanwhile. */
  getOrLoad(key: RangeKey, load: () => Promise<V>, ttlMs = this.#options.ttlMs): Promise<V> {
    const cached = this.get(key);
    if (cached !== undefined) return Promise.resolve(cached);
    const id = rangeKey(key);
    const pending = this.#loading.get(id);
    if (pending) return pending;
    const promise = load()
      .then((value) => {
        this.set(key, value, ttlMs);
        return value;
      })
      .finally(() => this.#loading.delete(id));
    this.#loading.set(id, promise);
    return promise;
  }

  clear(): void {
    this.#entries.clear();
    this.#weight = 0;
  }

  #delete(id: string): void {
    const entry = this.#entries.get(id);
    if (!entry) return;
    this.#weight -= entry.weight;
    this.#entries.delete(id);
  }
}
