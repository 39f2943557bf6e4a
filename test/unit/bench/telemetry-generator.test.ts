import { describe, expect, it } from 'vitest';
import {
  CORES_PER_NODE,
  GPU_METRICS,
  GPUS_PER_NODE,
  Rng,
  SERIES_PER_NODE,
  TelemetryGenerator,
  type GeneratorOptions,
} from '../../../bench/telemetry-generator';

/** All values of `ticks` ticks as one array per series, plus the tick times. */
function generate(options: GeneratorOptions, ticks: number): { series: string[]; columns: Float64Array[]; times: number[] } {
  const generator = new TelemetryGenerator(options);
  const columns = generator.series.map(() => new Float64Array(ticks));
  const tick = new Float64Array(generator.series.length);
  const times: number[] = [];
  for (let i = 0; i < ticks; i += 1) {
    times.push(generator.next(tick));
    for (let s = 0; s < tick.length; s += 1) columns[s]![i] = tick[s]!;
  }
  return { series: generator.series.map((s) => s.key), columns, times };
}

const TWO_DAYS = 2 * 17_280;

/** One node over two days, generated once for the domain checks below. */
const twoDays = generate({ nodes: 1, seed: 'domain-checks' }, TWO_DAYS);
const column = (key: string) => {
  const index = twoDays.series.indexOf(key);
  if (index < 0) throw new Error(`no series ${key}`);
  return twoDays.columns[index]!;
};
const gpuColumn = (metric: string, gpu: number) => column(`${metric};node=gpu-node-000;gpu=${gpu}`);
const every = (values: Float64Array, check: (v: number, i: number) => boolean) => values.every((v, i) => check(v, i));
const isInt = (v: number) => Number.isInteger(v);
const decimalsAtMost = (v: number, decimals: number) => Math.round(v * 10 ** decimals) / 10 ** decimals === v;
const nonDecreasing = (values: Float64Array) => every(values, (v, i) => i === 0 || v >= values[i - 1]!);

describe('Rng', () => {
  it('gives the same stream for the same seed and another for another seed', () => {
    const a = new Rng('seed-1');
    const b = new Rng('seed-1');
    const c = new Rng('seed-2');
    const fromA = Array.from({ length: 100 }, () => a.next());
    expect(Array.from({ length: 100 }, () => b.next())).toEqual(fromA);
    expect(Array.from({ length: 100 }, () => c.next())).not.toEqual(fromA);
  });

  it('draws uniform values in [0, 1) and normals with mean 0 and sd 1', () => {
    const rng = new Rng('stats');
    const n = 100_000;
    let sum = 0;
    let min = 1;
    let max = 0;
    let normalSum = 0;
    let normalSquares = 0;
    for (let i = 0; i < n; i += 1) {
      const u = rng.next();
      sum += u;
      min = Math.min(min, u);
      max = Math.max(max, u);
      const z = rng.normal();
      normalSum += z;
      normalSquares += z * z;
    }
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThan(1);
    expect(sum / n).toBeCloseTo(0.5, 2);
    expect(normalSum / n).toBeCloseTo(0, 1);
    expect(Math.sqrt(normalSquares / n)).toBeCloseTo(1, 1);
    const ints = new Set(Array.from({ length: 1000 }, () => rng.int(3, 5)));
    expect([...ints].sort()).toEqual([3, 4, 5]);
  });
});

describe('TelemetryGenerator', () => {
  it('lays out 126 series per node with unique keys in the CSV key format', () => {
    const generator = new TelemetryGenerator({ nodes: 3 });
    expect(SERIES_PER_NODE).toBe(GPUS_PER_NODE * GPU_METRICS.length + 30);
    expect(generator.series).toHaveLength(3 * 126);
    expect(new Set(generator.series.map((s) => s.key)).size).toBe(3 * 126);
    expect(generator.series[0]!.key).toBe('gpu_utilization_percent;node=gpu-node-000;gpu=0');
    expect(generator.series[126 + 96]!.key).toBe('node_cpu_usage_percent;node=gpu-node-001;cpu=0');
    expect(generator.series.filter((s) => s.metric === 'node_cpu_usage_percent')).toHaveLength(3 * CORES_PER_NODE);
    for (const s of generator.series) {
      expect(s.key).toMatch(/^[a-z0-9_]+(;[a-z]+=[^;,]+)+$/);
      expect(s.counter).toBe(s.metric.endsWith('_total'));
    }
  });

  it('is deterministic: the same seed gives the same values, another seed other values', () => {
    const a = generate({ nodes: 2, seed: 'same' }, 400);
    const b = generate({ nodes: 2, seed: 'same' }, 400);
    const c = generate({ nodes: 2, seed: 'other' }, 400);
    expect(b.times).toEqual(a.times);
    expect(b.columns).toEqual(a.columns);
    expect(c.columns).not.toEqual(a.columns);
  });

  it('keeps nodes independent: a node does not change when more nodes are generated', () => {
    const one = generate({ nodes: 1, seed: 'subset' }, 300);
    const three = generate({ nodes: 3, seed: 'subset' }, 300);
    expect(three.columns.slice(0, 126)).toEqual(one.columns);
  });

  it('puts ticks on an exact 5 s grid from an hour boundary', () => {
    const { times } = generate({ nodes: 1, startMs: 1_735_689_600_000 }, 100);
    times.forEach((t, i) => expect(t).toBe(1_735_689_600_000 + i * 5000));
  });

  it('produces GPU values in their domains and precisions', () => {
    for (let g = 0; g < GPUS_PER_NODE; g += 1) {
      const util = gpuColumn('gpu_utilization_percent', g);
      expect(every(util, (v) => isInt(v) && v >= 0 && v <= 100)).toBe(true);
      expect(every(gpuColumn('gpu_memory_utilization_percent', g), (v) => isInt(v) && v >= 0 && v <= 100)).toBe(true);
      expect(every(gpuColumn('gpu_fb_memory_used_mib', g), (v) => isInt(v) && v >= 0 && v <= 81_559)).toBe(true);
      const temperature = gpuColumn('gpu_temperature_celsius', g);
      expect(every(temperature, (v) => isInt(v) && v >= 25 && v <= 87)).toBe(true);
      // Thermal lag: the die warms and cools over minutes, never jumps between samples.
      expect(every(temperature, (v, i) => i === 0 || Math.abs(v - temperature[i - 1]!) <= 4)).toBe(true);
      expect(every(gpuColumn('gpu_power_draw_watts', g), (v) => decimalsAtMost(v, 2) && v >= 20 && v <= 700)).toBe(true);
      expect(every(gpuColumn('gpu_sm_clock_mhz', g), (v) => [345, 1755, 1830, 1905, 1980].includes(v))).toBe(true);
      expect(every(gpuColumn('gpu_memory_clock_mhz', g), (v) => v === 2619 || v === 1593)).toBe(true);
      expect(every(gpuColumn('gpu_fan_speed_percent', g), (v) => isInt(v) && v >= 30 && v <= 100)).toBe(true);
      for (const metric of ['gpu_pcie_tx_kilobytes_per_second', 'gpu_pcie_rx_kilobytes_per_second']) {
        expect(every(gpuColumn(metric, g), (v) => isInt(v) && v >= 0)).toBe(true);
      }
      const corrected = gpuColumn('gpu_ecc_corrected_errors_total', g);
      expect(every(corrected, isInt) && nonDecreasing(corrected)).toBe(true);
      const uncorrected = gpuColumn('gpu_ecc_uncorrected_errors_total', g);
      expect(every(uncorrected, (v) => v === 0 || v === 1) && nonDecreasing(uncorrected)).toBe(true);
    }
  });

  it('produces host values in their domains and precisions', () => {
    for (let c = 0; c < CORES_PER_NODE; c += 1) {
      // Whole USER_HZ ticks over 5 s: multiples of 0.2 %, printed with one decimal.
      const cpu = column(`node_cpu_usage_percent;node=gpu-node-000;cpu=${c}`);
      expect(every(cpu, (v) => decimalsAtMost(v, 1) && Math.round(v * 10) % 2 === 0 && v >= 0 && v <= 100)).toBe(true);
    }
    const loads = ['node_load1', 'node_load5', 'node_load15'].map((m) => column(`${m};node=gpu-node-000`));
    for (const load of loads) expect(every(load, (v) => decimalsAtMost(v, 2) && v >= 0)).toBe(true);
    // The 15-minute average moves less from sample to sample than the 1-minute one.
    const roughness = (values: Float64Array) => values.reduce((sum, v, i) => (i === 0 ? 0 : sum + Math.abs(v - values[i - 1]!)), 0);
    expect(roughness(loads[2]!)).toBeLessThan(roughness(loads[0]!));
    expect(every(column('node_memory_used_bytes;node=gpu-node-000'), (v) => isInt(v) && v % 1024 === 0 && v > 0)).toBe(true);
    for (const mount of ['/', '/scratch']) {
      expect(every(column(`node_filesystem_used_bytes;node=gpu-node-000;mountpoint=${mount}`), (v) => isInt(v) && v % 4096 === 0 && v > 0)).toBe(true);
    }
    for (const metric of ['node_network_receive_bytes_total', 'node_network_transmit_bytes_total']) {
      for (const device of ['eth0', 'ib0']) {
        const counter = column(`${metric};node=gpu-node-000;device=${device}`);
        expect(every(counter, (v) => isInt(v) && v <= Number.MAX_SAFE_INTEGER) && nonDecreasing(counter)).toBe(true);
        expect(counter[counter.length - 1]!).toBeGreaterThan(counter[0]!);
      }
    }
  });

  it('models idle stretches, training with checkpoints, and data-loader stalls', () => {
    const nodes = 4;
    const { series, columns } = generate({ nodes, seed: 'model-sanity' }, TWO_DAYS);
    const seriesOf = (metric: string, n: number) =>
      Array.from({ length: GPUS_PER_NODE }, (_, g) => columns[series.indexOf(`${metric};node=gpu-node-00${n};gpu=${g}`)]!);
    let longestIdle = 0;
    let longestTraining = 0;
    let checkpointTicks = 0;
    let stallTicks = 0;
    let zeros = 0;
    for (let n = 0; n < nodes; n += 1) {
      const utils = seriesOf('gpu_utilization_percent', n);
      const memory = seriesOf('gpu_fb_memory_used_mib', n);
      let idle = 0;
      let training = 0;
      for (let i = 0; i < TWO_DAYS; i += 1) {
        const util = utils.map((u) => u[i]!);
        const jobLoaded = memory.every((m) => m[i]! > 10_000);
        zeros += util.filter((v) => v === 0).length;
        // Idle: no GPU computes and no job holds memory.
        idle = util.every((v) => v === 0) && memory.every((m) => m[i]! <= 4) ? idle + 1 : 0;
        longestIdle = Math.max(longestIdle, idle);
        // Synchronous training: every GPU at full load.
        training = util.every((v) => v >= 88) ? training + 1 : 0;
        longestTraining = Math.max(longestTraining, training);
        // A checkpoint: the job keeps its memory while every GPU waits near 0.
        if (jobLoaded && util.every((v) => v <= 12)) checkpointTicks += 1;
        // A data-loader stall: every GPU drops to a middling load at the same time.
        if (jobLoaded && util.every((v) => v >= 30 && v <= 85)) stallTicks += 1;
      }
    }
    expect(longestIdle).toBeGreaterThanOrEqual(120); // 10 minutes
    expect(longestTraining).toBeGreaterThanOrEqual(60); // 5 minutes without a stall
    expect(checkpointTicks).toBeGreaterThan(20);
    expect(stallTicks).toBeGreaterThan(20);
    const share = zeros / (nodes * GPUS_PER_NODE * TWO_DAYS);
    expect(share).toBeGreaterThan(0.1);
    expect(share).toBeLessThan(0.8);
  });
});
