/**
 * Which earlier reading a node's rates (CPU use, network and disk throughput) are computed
 * against. Prometheus holds a new sample of a node only when it scrapes it, commonly every 15 s
 * to 1 min, while a source is read every tick (5 s by default): two readings between the same two
 * scrapes carry the same samples, and rates between them have no interval. So a node's rates are
 * over its last two distinct scrapes: a reading that repeats the previous reading's scrape keeps
 * the base the previous reading had, and gives the same rates again, as Prometheus's own rate()
 * would until the next scrape.
 */
import type { PromSample } from './dcgm-map';
import { CPU_SECONDS_SUM } from './node-exporter-map';

/** The samples a node's rates are over, and the time of the reading that brought them. */
export interface RateBase {
  samples: readonly PromSample[];
  atMs: number;
}

/** A node's earlier reading: its samples, and the base its own rates were over (if computed). */
export interface EarlierReading {
  samples: readonly PromSample[] | undefined;
  atMs: number;
  base: RateBase | null | undefined;
}

/**
 * What tells one scrape from another: the node's clock (node_time_seconds) where it is exported,
 * else its CPU seconds by mode (an idle machine's idle time grows between any two scrapes), else
 * nothing (null: every reading is taken as a new scrape, as before rates were kept).
 */
function scrapeMark(samples: readonly PromSample[]): string | null {
  let cpu = '';
  for (const s of samples) {
    if (s.name === 'node_time_seconds') return `t${s.value}`;
    if (s.name === CPU_SECONDS_SUM) cpu += `${s.labels.mode ?? ''}=${s.value};`;
  }
  return cpu === '' ? null : cpu;
}

/** Whether two readings of one node carry the samples of the same scrape. */
export function sameScrape(now: readonly PromSample[], before: readonly PromSample[]): boolean {
  const mark = scrapeMark(now);
  return mark !== null && mark === scrapeMark(before);
}

/**
 * The base of a reading's rates: the previous reading where it brought a newer scrape, that
 * reading's own base where it repeated this scrape, null where there is none (first reading).
 */
export function rateBase(now: readonly PromSample[], previous: EarlierReading | null): RateBase | null {
  if (previous === null || previous.samples === undefined) return null;
  if (!sameScrape(now, previous.samples)) return { samples: previous.samples, atMs: previous.atMs };
  return previous.base ?? null;
}

/**
 * The longest gap taken for a scrape interval: past Prometheus's 5-minute lookback a node has no
 * instant value between scrapes anyway, and a node clock set forward must not stretch its charts.
 */
export const MAX_SCRAPE_INTERVAL_MS = 10 * 60_000;

/** The node clock's time between two readings' scrapes (node_time_seconds), in ms; null without it. */
function scrapeGapMs(now: readonly PromSample[], before: readonly PromSample[]): number | null {
  const clock = (samples: readonly PromSample[]) => samples.find((s) => s.name === 'node_time_seconds')?.value;
  const [a, b] = [clock(now), clock(before)];
  return a === undefined || b === undefined || !Number.isFinite(a - b) ? null : (a - b) * 1000;
}

/**
 * How often the source scrapes a node, as seen by two readings of distinct scrapes read
 * `readGapMs` apart: their scrapes' gap where it is clearly longer than the readings' (else the
 * readings, not the scrapes, set it and it says nothing), null otherwise. A chart's rate over a
 * window shorter than two scrapes has nothing to compute: history steps are kept at least this.
 */
export function observedScrapeIntervalMs(now: readonly PromSample[], before: readonly PromSample[], readGapMs: number): number | null {
  const gap = scrapeGapMs(now, before);
  return gap !== null && gap > 1.5 * readGapMs && gap <= MAX_SCRAPE_INTERVAL_MS ? gap : null;
}
