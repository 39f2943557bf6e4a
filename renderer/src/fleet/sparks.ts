/**
 * The fleet table's 15-minute sparklines: per node, a bounded ring of GPU utilisation per GPU,
 * fed by 'snapshot:collected' and backfilled once per node from stored history. Pure (no api):
 * the store feeds it, unit-tested directly.
 */

export const SPARK_WINDOW_MS = 15 * 60_000;
/** Most points kept per GPU, whatever the interval (a 1 s interval keeps the last 6 minutes). */
export const SPARK_MAX_POINTS = 360;

export interface SparkSeries {
  t: number[];
  v: Array<number | null>;
}

export class SparkStore {
  /** node -> GPU key -> points, oldest first. */
  private readonly byNode = new Map<string, Map<string, SparkSeries>>();
  /** Bumped on every change (the table redraws a row's sparkline when it moves). */
  version = 0;
  /** Per node: bumped when its points change; the mean line is cached until then. */
  private readonly nodeVersions = new Map<string, number>();
  private readonly meanCache = new Map<string, { version: number; series: SparkSeries }>();

  /** Changes whenever the node's points do. */
  versionOf(nodeId: string): number {
    return this.nodeVersions.get(nodeId) ?? 0;
  }

  private touched(nodeId: string): void {
    this.nodeVersions.set(nodeId, (this.nodeVersions.get(nodeId) ?? 0) + 1);
    this.version += 1;
  }

  /** One reading per GPU at `t`. Older or repeated times are ignored; points older than the window are dropped. */
  push(nodeId: string, t: number, values: ReadonlyArray<{ key: string; v: number | null }>): void {
    let gpus = this.byNode.get(nodeId);
    if (!gpus) this.byNode.set(nodeId, (gpus = new Map()));
    for (const { key, v } of values) {
      let series = gpus.get(key);
      if (!series) gpus.set(key, (series = { t: [], v: [] }));
      const last = series.t[series.t.length - 1];
      if (last !== undefined && t <= last) continue;
      series.t.push(t);
      series.v.push(typeof v === 'number' && Number.isFinite(v) ? v : null);
      trim(series, t);
    }
    this.touched(nodeId);
  }

  /** Stored history for one GPU, merged before the live points (points at or after the first live one are left out). */
  backfill(nodeId: string, key: string, t: readonly number[], v: readonly number[], now: number): void {
    let gpus = this.byNode.get(nodeId);
    if (!gpus) this.byNode.set(nodeId, (gpus = new Map()));
    const series = gpus.get(key) ?? { t: [], v: [] };
    const firstLive = series.t[0] ?? Infinity;
    const older: SparkSeries = { t: [], v: [] };
    for (let i = 0; i < t.length; i += 1) {
      const ti = t[i]!;
      if (ti >= firstLive || ti < now - SPARK_WINDOW_MS) continue;
      if (older.t.length && ti <= older.t[older.t.length - 1]!) continue;
      older.t.push(ti);
      older.v.push(Number.isFinite(v[i]) ? v[i]! : null);
    }
    const merged = { t: [...older.t, ...series.t], v: [...older.v, ...series.v] };
    trim(merged, Math.max(now, merged.t[merged.t.length - 1] ?? now));
    gpus.set(key, merged);
    this.touched(nodeId);
  }

  gpu(nodeId: string, key: string): SparkSeries | null {
    return this.byNode.get(nodeId)?.get(key) ?? null;
  }

  /** The node's mean utilisation over its GPUs, per time any GPU reported. */
  nodeMean(nodeId: string): SparkSeries | null {
    const gpus = this.byNode.get(nodeId);
    if (!gpus || gpus.size === 0) return null;
    const cached = this.meanCache.get(nodeId);
    const version = this.versionOf(nodeId);
    if (cached && cached.version === version) return cached.series;
    const all = [...gpus.values()];
    const first = all[0]!;
    // Live points of a node's GPUs share their times: average index by index, no map.
    if (all.every((g) => g.t.length === first.t.length && g.t.every((t, i) => t === first.t[i]))) {
      const v = first.t.map((_, i) => {
        let sum = 0;
        let n = 0;
        for (const g of all) {
          const x = g.v[i];
          if (x !== null && x !== undefined) {
            sum += x;
            n += 1;
          }
        }
        return n ? sum / n : null;
      });
      const series = { t: [...first.t], v };
      this.meanCache.set(nodeId, { version, series });
      return series;
    }
    const sums = new Map<number, { sum: number; n: number }>();
    for (const series of all) {
      series.t.forEach((t, i) => {
        const v = series.v[i];
        const acc = sums.get(t) ?? { sum: 0, n: 0 };
        if (v !== null && v !== undefined) {
          acc.sum += v;
          acc.n += 1;
        }
        sums.set(t, acc);
      });
    }
    const times = [...sums.keys()].sort((a, b) => a - b);
    const series = { t: times, v: times.map((t) => (sums.get(t)!.n ? sums.get(t)!.sum / sums.get(t)!.n : null)) };
    this.meanCache.set(nodeId, { version, series });
    return series;
  }

  forget(nodeId: string): void {
    this.meanCache.delete(nodeId);
    if (this.byNode.delete(nodeId)) this.touched(nodeId);
  }

  /** Points held in all (a bound checked by tests). */
  size(): number {
    let n = 0;
    for (const gpus of this.byNode.values()) for (const s of gpus.values()) n += s.t.length;
    return n;
  }
}

function trim(series: SparkSeries, newest: number): void {
  let drop = 0;
  while (drop < series.t.length && series.t[drop]! < newest - SPARK_WINDOW_MS) drop += 1;
  drop = Math.max(drop, series.t.length - SPARK_MAX_POINTS);
  if (drop > 0) {
    series.t.splice(0, drop);
    series.v.splice(0, drop);
  }
}

/** An SVG polyline's points for a series on a `width` x `height` box, 0-100 % upwards, over the window ending at `now`; gaps (null) split it. */
export function sparkPaths(series: SparkSeries, now: number, width: number, height: number, max = 100): string[] {
  const paths: string[] = [];
  let current: string[] = [];
  const x0 = now - SPARK_WINDOW_MS;
  series.t.forEach((t, i) => {
    const v = series.v[i];
    if (v === null || v === undefined || t < x0) {
      if (current.length) paths.push(current.join(' '));
      current = [];
      return;
    }
    const x = ((t - x0) / SPARK_WINDOW_MS) * width;
    const y = height - (Math.max(0, Math.min(max, v)) / max) * height;
    current.push(`${x.toFixed(1)},${y.toFixed(1)}`);
  });
  if (current.length) paths.push(current.join(' '));
  return paths;
}
