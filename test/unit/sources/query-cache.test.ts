import { describe, expect, it } from 'vitest';
import { QueryCache, alignRange, type RangeKey } from '../../../electron/core/sources/query-cache';

const key = (expr: string, startMs = 0, endMs = 60_000, stepMs = 15_000): RangeKey => ({ expr, startMs, endMs, stepMs });

function clock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('QueryCache', () => {
  it('keys by expression, start, end and step', () => {
    const cache = new QueryCache<string>({ maxEntries: 10, ttlMs: 60_000 });
    cache.set(key('up'), 'a');
    expect(cache.get(key('up'))).toBe('a');
    expect(cache.get(key('up', 1))).toBeUndefined();
    expect(cache.get(key('up', 0, 60_001))).toBeUndefined();
    expect(cache.get(key('up', 0, 60_000, 30_000))).toBeUndefined();
    expect(cache.get(key('node_load1'))).toBeUndefined();
  });

  it('forgets an entry once its TTL has passed', () => {
    const c = clock();
    const cache = new QueryCache<string>({ maxEntries: 10, ttlMs: 1000, now: c.now });
    cache.set(key('up'), 'a');
    c.advance(999);
    expect(cache.get(key('up'))).toBe('a');
    c.advance(1);
    expect(cache.get(key('up'))).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('evicts the least recently used beyond maxEntries', () => {
    const cache = new QueryCache<string>({ maxEntries: 2, ttlMs: 60_000 });
    cache.set(key('a'), 'a');
    cache.set(key('b'), 'b');
    expect(cache.get(key('a'))).toBe('a'); // a is now the most recent
    cache.set(key('c'), 'c');
    expect(cache.get(key('b'))).toBeUndefined();
    expect(cache.get(key('a'))).toBe('a');
    expect(cache.get(key('c'))).toBe('c');
  });

  it('evicts beyond maxWeight and keeps nothing heavier than the whole cache', () => {
    const cache = new QueryCache<number[]>({ maxEntries: 100, ttlMs: 60_000, maxWeight: 10, weigh: (v) => v.length });
    cache.set(key('a'), [1, 2, 3, 4, 5, 6]);
    cache.set(key('b'), [1, 2, 3, 4]);
    expect(cache.weight).toBe(10);
    cache.set(key('c'), [1]);
    expect(cache.get(key('a'))).toBeUndefined();
    expect(cache.weight).toBe(5);
    cache.set(key('huge'), new Array<number>(11).fill(0));
    expect(cache.get(key('huge'))).toBeUndefined();
    expect(cache.weight).toBe(5);
    cache.set(key('b'), [1]);
    expect(cache.weight).toBe(2);
  });

  it('shares one load among concurrent callers and does not keep failures', async () => {
    const cache = new QueryCache<string>({ maxEntries: 10, ttlMs: 60_000 });
    let loads = 0;
    let release: (v: string) => void = () => undefined;
    const load = () => {
      loads += 1;
      return new Promise<string>((resolve) => (release = resolve));
    };
    const first = cache.getOrLoad(key('up'), load);
    const second = cache.getOrLoad(key('up'), load);
    release('v');
    expect(await Promise.all([first, second])).toEqual(['v', 'v']);
    expect(await cache.getOrLoad(key('up'), load)).toBe('v');
    expect(loads).toBe(1);

    await expect(cache.getOrLoad(key('down'), () => Promise.reject(new Error('source down')))).rejects.toThrow('source down');
    expect(cache.get(key('down'))).toBeUndefined();
    expect(await cache.getOrLoad(key('down'), () => Promise.resolve('back'))).toBe('back');
  });

  it('keeps an entry for the TTL given with it (a range reaching now: one step)', async () => {
    const c = clock();
    const cache = new QueryCache<string>({ maxEntries: 10, ttlMs: 300_000, now: c.now });
    cache.set(key('recent'), 'a', 15_000);
    expect(await cache.getOrLoad(key('live'), () => Promise.resolve('b'), 15_000)).toBe('b');
    cache.set(key('past'), 'c');
    c.advance(15_000);
    expect(cache.get(key('recent'))).toBeUndefined();
    expect(cache.get(key('live'))).toBeUndefined();
    expect(cache.get(key('past'))).toBe('c');
    cache.set(key('never'), 'd', 0);
    expect(cache.get(key('never'))).toBeUndefined();
  });

  it('aligns a range to its step so that nearby requests share a key', () => {
    expect(alignRange(1_000_007, 4_600_003, 15_000)).toEqual({ startMs: 990_000, endMs: 4_605_000 });
    expect(alignRange(990_000, 4_605_000, 15_000)).toEqual({ startMs: 990_000, endMs: 4_605_000 });
  });
});
