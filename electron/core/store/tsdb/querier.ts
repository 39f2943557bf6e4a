/**
 * Queries: the latest value of series (from memory), and a series over a time range from the
 * coarsest tier that is still fine enough and covers the range, its chunks merged with what is
 * still in memory and bucketed to at most maxPoints with a min/max envelope.
 */
import type { Database as Db, Statement } from 'better-sqlite3';
import { bucketStepMs, ROLLUP_RESOLUTION_MS } from '../../../../shared/model/tiers';
import { chunkKey, maxSplits } from './chunk-key';
import { align, decodeStored, lowerBound, type EngineConfig, type RangeResult, type SeriesState, type StatusCounters, type Tier } from './common';
import type { Head } from './head';
import { rollUp } from './rollup';
import type { SeriesIndex } from './series-index';
import { perTier, type KeyRange } from './statements';

type PeriodRow = [startT: number, data: Buffer];

export class Querier {
  /** A series' chunks of one period, in key order. */
  private readonly period: Record<Tier, Statement<KeyRange, PeriodRow>>;
  /** A series' hourly points of its open week in a time range (they live in head_1h only). */
  private readonly openHours: Statement<[seriesId: number, fromT: number, toT: number], [t: number, min: number, max: number, sum: number, count: number]>;

  constructor(
    db: Db,
    private readonly config: EngineConfig,
    private readonly index: SeriesIndex,
    private readonly head: Head,
    private readonly counters: StatusCounters,
  ) {
    this.period = perTier((table) => db.prepare<KeyRange, PeriodRow>(`SELECT start_t, data FROM ${table} WHERE id >= ? AND id < ? ORDER BY id`).raw());
    this.openHours = db
      .prepare<[number, number, number], [number, number, number, number, number]>(
        'SELECT t, min, max, sum, count FROM head_1h WHERE series_id = ? AND t >= ? AND t <= ? ORDER BY t',
      )
      .raw();
  }

  /** The newest sample of each series (null for a series without data). */
  latest(ids: readonly number[]): Array<{ t: number; v: number } | null> {
    return ids.map((id) => {
      const state = this.index.states[id];
      return state && state.lastT > -Infinity ? { t: state.lastT, v: state.lastV } : null;
    });
  }

  private tierCovers(tier: Tier, fromMs: number): boolean {
    const reference = Math.max(this.head.newestT, this.head.referenceNow);
    const { rawMs, minuteMs, hourMs } = this.config.retention;
    const keep = tier === 'raw' ? rawMs : tier === '1m' ? minuteMs : hourMs;
    return fromMs >= reference - keep;
  }

  /**
   * The coarsest tier that is still at least as fine as the wanted step (fewest points to read
   * for the same chart), among those whose retention covers fromMs; raw when no rollup is fine
   * enough.
   */
  pickTier(fromMs: number, stepMs: number): Tier {
    const coarseFirst: Array<[Tier, number]> = [
      ['1h', ROLLUP_RESOLUTION_MS['1h']],
      ['1m', ROLLUP_RESOLUTION_MS['1m']],
      ['raw', this.config.intervalMs],
    ];
    for (const [tier, resolution] of coarseFirst) {
      if ((resolution <= stepMs || tier === 'raw') && this.tierCovers(tier, fromMs)) return tier;
    }
    // Nothing fine enough reaches back that far: the finest tier that does.
    for (const [tier] of [...coarseFirst].reverse()) if (this.tierCovers(tier, fromMs)) return tier;
    return '1h';
  }

  range(seriesId: number, fromMs: number, toMs: number, maxPoints: number): RangeResult {
    const state = this.index.states[seriesId];
    const wantedStep = (toMs - fromMs) / maxPoints;
    const tier = this.pickTier(fromMs, wantedStep);
    if (!state) return { tier, stepMs: this.config.intervalMs, t: [], v: [], min: null, max: null };
    if (tier === 'raw') return this.rangeRaw(state, fromMs, toMs, maxPoints, wantedStep);
    return this.rangeRollup(state, tier, fromMs, toMs, wantedStep);
  }

  /** A series' chunks of the periods that overlap [fromMs, toMs]: one rowid range per period. */
  private chunkRows(tier: Tier, seriesId: number, fromMs: number, toMs: number): PeriodRow[] {
    const statement = this.period[tier];
    const space = this.config.spaces[tier];
    const rows: PeriodRow[] = [];
    for (let period = align(fromMs, space.spanMs); period <= toMs; period += space.spanMs) {
      const first = chunkKey(space, period, seriesId, 0);
      for (const row of statement.all(first, first + maxSplits(space))) rows.push(row);
    }
    return rows;
  }

  private rangeRaw(state: SeriesState, fromMs: number, toMs: number, maxPoints: number, wantedStep: number): RangeResult {
    const t: number[] = [];
    const v: number[] = [];
    for (const [startT, data] of this.chunkRows('raw', state.id, fromMs, toMs)) {
      const chunk = decodeStored(data, startT, this.counters);
      if (!chunk) continue;
      const values = chunk.columns[0]!;
      for (let i = 0; i < chunk.t.length; i += 1) {
        const ts = chunk.t[i]!;
        if (ts >= fromMs && ts <= toMs) {
          t.push(ts);
          v.push(values[i]!);
        }
      }
    }
    for (const sealing of [...state.sealing, state.buffer.view()]) {
      const length = sealing.t.length;
      for (let i = lowerBound(sealing.t, length, fromMs); i < length && sealing.t[i]! <= toMs; i += 1) {
        t.push(sealing.t[i]!);
        v.push(sealing.v[i]!);
      }
    }
    const interval = this.config.intervalMs;
    if (t.length <= maxPoints) return { tier: 'raw', stepMs: interval, t, v, min: null, max: null };
    const bucketMs = bucketStepMs(interval, wantedStep);
    const out: RangeResult = { tier: 'raw', stepMs: bucketMs, t: [], v: [], min: [], max: [] };
    let i = 0;
    while (i < t.length) {
      const bucket = align(t[i]!, bucketMs);
      let sum = 0;
      let n = 0;
      let lo = Infinity;
      let hi = -Infinity;
      while (i < t.length && t[i]! < bucket + bucketMs) {
        const x = v[i]!;
        sum += x;
        n += 1;
        if (x < lo) lo = x;
        if (x > hi) hi = x;
        i += 1;
      }
      out.t.push(bucket);
      out.v.push(sum / n);
      out.min!.push(lo);
      out.max!.push(hi);
    }
    return out;
  }

  private rangeRollup(state: SeriesState, tier: Exclude<Tier, 'raw'>, fromMs: number, toMs: number, wantedStep: number): RangeResult {
    const resolution = ROLLUP_RESOLUTION_MS[tier];
    const bucketMs = bucketStepMs(resolution, wantedStep);
    // bucket start -> [min, max, sum, count]; sources may overlap a bucket (a split hour).
    const buckets = new Map<number, [number, number, number, number]>();
    const add = (t: ArrayLike<number>, columns: ArrayLike<number>[], length: number) => {
      const [min, max, sum, count] = columns as [ArrayLike<number>, ArrayLike<number>, ArrayLike<number>, ArrayLike<number>];
      for (let i = 0; i < length; i += 1) {
        const ts = t[i]!;
        if (ts + resolution <= fromMs || ts > toMs) continue;
        const key = align(ts, bucketMs);
        const seen = buckets.get(key);
        if (seen) {
          if (min[i]! < seen[0]) seen[0] = min[i]!;
          if (max[i]! > seen[1]) seen[1] = max[i]!;
          seen[2] += sum[i]!;
          seen[3] += count[i]!;
        } else buckets.set(key, [min[i]!, max[i]!, sum[i]!, count[i]!]);
      }
    };
    for (const [startT, data] of this.chunkRows(tier, state.id, fromMs, toMs)) {
      const chunk = decodeStored(data, startT, this.counters);
      if (chunk) add(chunk.t, chunk.columns, chunk.t.length);
    }
    if (tier === '1h') {
      const rows = this.openHours.all(state.id, fromMs - resolution, toMs);
      add(
        rows.map((r) => r[0]),
        [rows.map((r) => r[1]), rows.map((r) => r[2]), rows.map((r) => r[3]), rows.map((r) => r[4])],
        rows.length,
      );
    }
    // What is not committed yet (being sealed, or still open) is rolled up on the fly.
    for (const sealing of [...state.sealing, state.buffer.view()]) {
      const length = sealing.t.length;
      const start = lowerBound(sealing.t, length, align(fromMs, resolution));
      const end = lowerBound(sealing.t, length, toMs + 1);
      if (end > start) {
        const open = rollUp(sealing.t.subarray(start, end), sealing.v.subarray(start, end), end - start, resolution);
        add(open.t, [open.min, open.max, open.sum, open.count], open.length);
      }
    }
    const keys = [...buckets.keys()].sort((a, b) => a - b);
    const out: RangeResult = { tier, stepMs: bucketMs, t: keys, v: [], min: [], max: [] };
    for (const key of keys) {
      const [lo, hi, sum, count] = buckets.get(key)!;
      out.v.push(sum / count);
      out.min!.push(lo);
      out.max!.push(hi);
    }
    return out;
  }
}
