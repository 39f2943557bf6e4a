import { describe, expect, it } from 'vitest';
import type { PromSample } from '../../../electron/core/sources/dcgm-map';
import { CPU_SECONDS_SUM } from '../../../electron/core/sources/node-exporter-map';
import { observedScrapeIntervalMs, rateBase, sameScrape } from '../../../electron/core/sources/rate-base';

const clock = (t: number): PromSample => ({ name: 'node_time_seconds', labels: {}, value: t });
const cpu = (idle: number, user: number): PromSample[] => [
  { name: CPU_SECONDS_SUM, labels: { mode: 'idle' }, value: idle },
  { name: CPU_SECONDS_SUM, labels: { mode: 'user' }, value: user },
];
const load: PromSample = { name: 'node_load1', labels: {}, value: 0.5 };

describe('sameScrape', () => {
  it('tells scrapes apart by the node clock where there is one', () => {
    expect(sameScrape([clock(100), ...cpu(1, 1)], [clock(100), ...cpu(1, 1)])).toBe(true);
    expect(sameScrape([clock(115), ...cpu(1, 1)], [clock(100), ...cpu(1, 1)])).toBe(false);
  });

  it('else by the CPU seconds of every mode', () => {
    expect(sameScrape(cpu(10, 5), cpu(10, 5))).toBe(true);
    expect(sameScrape(cpu(12, 5), cpu(10, 5))).toBe(false);
  });

  it('takes readings with neither for new scrapes (no rates are kept over them)', () => {
    expect(sameScrape([load], [load])).toBe(false);
  });
});

describe('rateBase', () => {
  const first = [clock(100), ...cpu(10, 5)];
  const second = [clock(115), ...cpu(22, 8)];

  it('has none without a previous reading of the node', () => {
    expect(rateBase(first, null)).toBeNull();
    expect(rateBase(first, { samples: undefined, atMs: 1, base: null })).toBeNull();
  });

  it('is the previous reading where it was an older scrape', () => {
    expect(rateBase(second, { samples: first, atMs: 5000, base: null })).toEqual({ samples: first, atMs: 5000 });
  });

  it('is the previous reading’s own base where it repeated this scrape, so the rates stay', () => {
    const base = { samples: first, atMs: 0 };
    expect(rateBase(second, { samples: [...second], atMs: 5000, base })).toBe(base);
    // The previous reading's base unknown (its snapshot never made): no rates rather than none-interval ones.
    expect(rateBase(second, { samples: [...second], atMs: 5000, base: undefined })).toBeNull();
  });
});

describe('observedScrapeIntervalMs', () => {
  it('is the scrapes’ gap where it is clearly longer than the readings’ (scrapes rarer than readings)', () => {
    expect(observedScrapeIntervalMs([clock(160)], [clock(100)], 5000)).toBe(60_000);
  });

  it('says nothing where the readings set the gap, or without the node clock', () => {
    expect(observedScrapeIntervalMs([clock(105)], [clock(100)], 5000)).toBeNull();
    expect(observedScrapeIntervalMs([clock(107)], [clock(100)], 5000)).toBeNull();
    expect(observedScrapeIntervalMs(cpu(20, 5), cpu(10, 5), 5000)).toBeNull();
    // A node clock set a day forward is not a scrape interval.
    expect(observedScrapeIntervalMs([clock(86_500)], [clock(100)], 5000)).toBeNull();
  });
});
