/**
 * A deterministic, streaming model of GPU-cluster telemetry for the storage benchmark.
 *
 * Per node: 8 GPUs x 12 metrics + 30 host metrics = 126 series, one value each per tick on an
 * exact 5 s grid. Values are produced at the precision a real exporter prints them (integers,
 * 0.2 % CPU steps, 2-decimal watts and load averages, KiB-granular memory, 4 KiB-granular disks),
 * because that precision is what a time-series codec can or cannot exploit: a benchmark fed with
 * full-precision random floats would measure the wrong thing.
 *
 * The data is produced one tick at a time (`next()`), so a day of 10 nodes never sits in memory.
 * Every node owns its random streams (derived from the seed and the node's name) and nothing
 * depends on how many ticks will be asked for, so N nodes are a subset of more nodes and a short
 * run is a prefix of a longer one.
 *
 * The model, per node:
 * - an activity schedule: idle stretches, 8-GPU training jobs and "serving" periods where each
 *   GPU runs its own inference or notebook sessions; segment lengths are log-normal;
 * - training: utilisation in the mid/high 90s with jitter, data-loader stalls that hit all GPUs
 *   at once, periodic checkpoints (utilisation near 0, PCIe TX spike, scratch disk grows and old
 *   checkpoints are deleted), a warm-up with framebuffer memory growing in steps, rare allocator
 *   growth steps;
 * - GPU physics: temperature with first-order thermal lag, power following load and leakage,
 *   SM clock bins that throttle with heat or power and recover with hysteresis, a memory clock
 *   with rare dips, a fan with a deadband, log-normal PCIe traffic, rare ECC counter increments;
 * - host: per-core CPU in USER_HZ steps (GPU feeder cores, data loaders, system cores), load
 *   averages as the kernel's exponential averages, memory used, growing filesystems and network
 *   byte counters.
 */

export const GPUS_PER_NODE = 8;
export const CORES_PER_NODE = 20;
export const DEFAULT_SEED = 'clusterdeck-store-bench-1';
/** 2025-01-01T00:00:00Z: an hour boundary, like a collector's first sealed hour would be. */
export const DEFAULT_START_MS = 1_735_689_600_000;
export const DEFAULT_INTERVAL_MS = 5_000;

const GIB = 2 ** 30;
const MIB = 2 ** 20;
const FS_BLOCK = 4096;
const FB_TOTAL_MIB = 81_559; // an 80 GB HBM3 board as nvidia-smi reports it
const POWER_LIMIT_W = 700;
const SM_IDLE_MHZ = 345;
const SM_BINS_MHZ = [1755, 1830, 1905, 1980] as const;
const MEM_CLOCK_MHZ = 2619;
const MEM_CLOCK_DOWN_MHZ = 1593;
/** USER_HZ: the kernel counts CPU time in 1/100 s, so over 5 s one core moves in 0.2 % steps. */
const USER_HZ = 100;

/** The 12 GPU metrics, in the order they are emitted for each GPU. */
export const GPU_METRICS = [
  'gpu_utilization_percent',
  'gpu_memory_utilization_percent',
  'gpu_fb_memory_used_mib',
  'gpu_temperature_celsius',
  'gpu_power_draw_watts',
  'gpu_sm_clock_mhz',
  'gpu_memory_clock_mhz',
  'gpu_fan_speed_percent',
  'gpu_pcie_tx_kilobytes_per_second',
  'gpu_pcie_rx_kilobytes_per_second',
  'gpu_ecc_corrected_errors_total',
  'gpu_ecc_uncorrected_errors_total',
] as const;

export interface GeneratedSeries {
  /** `name;label=value;...`, the same key format as the benchmark's CSV input. */
  key: string;
  metric: string;
  labels: Array<[string, string]>;
  counter: boolean;
  /** Decimals the values are printed with (0, 1 or 2). */
  decimals: number;
}

// ------------------------------------------------------------------ random streams

/** FNV-1a over the text, finished with murmur3's avalanche so similar names give unrelated seeds. */
function hash32(text: string, salt: number): number {
  let h = (0x811c9dc5 ^ Math.imul(salt, 0x9e3779b1)) >>> 0;
  for (let i = 0; i < text.length; i += 1) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * sfc32 (a small, fast, statistically sound 128-bit-state generator) seeded from a string.
 * Math.random cannot be seeded, and the benchmark must produce the same data on every run.
 */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spareNormal = Number.NaN;

  constructor(seed: string) {
    this.a = hash32(seed, 1);
    this.b = hash32(seed, 2);
    this.c = hash32(seed, 3);
    this.d = hash32(seed, 4);
    for (let i = 0; i < 16; i += 1) this.next(); // mix the seed through the state
  }

  /** Uniform in [0, 1). */
  next(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return (t >>> 0) / 4_294_967_296;
  }

  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** Integer in [lo, hi], both included. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }

  /** Normal by Box-Muller; the second value of each pair is kept for the next call. */
  normal(mean = 0, sd = 1): number {
    if (!Number.isNaN(this.spareNormal)) {
      const z = this.spareNormal;
      this.spareNormal = Number.NaN;
      return mean + sd * z;
    }
    const r = Math.sqrt(-2 * Math.log(1 - this.next()));
    const angle = 2 * Math.PI * this.next();
    this.spareNormal = r * Math.sin(angle);
    return mean + sd * r * Math.cos(angle);
  }

  /** Log-normal with the given median: skewed, always positive (durations, traffic rates). */
  logNormal(median: number, sigma: number): number {
    return median * Math.exp(sigma * this.normal());
  }

  exponential(mean: number): number {
    return -mean * Math.log(1 - this.next());
  }
}

const clamp = (x: number, lo: number, hi: number) => (x < lo ? lo : x > hi ? hi : x);
/** Rounds to 2 decimals so that the double is exactly the one "123.45" parses to. */
const round2 = (x: number) => Math.round(x * 100) / 100;

// ------------------------------------------------------------------ node activity

type Activity = 'idle' | 'training' | 'serving';

/** A multi-GPU training job's parameters, drawn when it starts. */
interface TrainingJob {
  utilLevel: number;
  utilJitter: number;
  stallChance: number;
  checkpointEvery: number;
  checkpointTicks: number;
  checkpointOffset: number;
  warmupTicks: number;
  warmupSteps: number;
  footprintMiB: number[];
  memoryRatio: number;
  hostRssBytes: number;
  checkpointBytes: number;
  ibBytesPerSec: number;
  nfsBytesPerSec: number;
}

/** One GPU's current session while the node serves inference and notebooks. */
interface GpuSession {
  busy: boolean;
  ticksLeft: number;
  notebook: boolean;
  idleChance: number;
  level: number;
  fbMiB: number;
  memoryRatio: number;
  burstLeft: number;
}

/** What the node's schedule decided for this tick; the GPU and host models read it. */
interface NodeTick {
  activity: Activity;
  job: TrainingJob | null;
  checkpointing: boolean;
  checkpointDone: boolean;
  util: Int32Array;
  memUtil: Int32Array;
  fbMiB: Int32Array;
  idleFbMiB: Int32Array;
}

class Schedule {
  private activity: Activity;
  private ticksLeft: number;
  private elapsed: number;
  private job: TrainingJob | null = null;
  private growthMiB = 0;
  private stallLeft = 0;
  private readonly sessions: GpuSession[] = [];
  readonly tick: NodeTick;

  constructor(
    private readonly rng: Rng,
    private readonly intervalMs: number,
  ) {
    const idleFb = Int32Array.from({ length: GPUS_PER_NODE }, () => rng.pick([0, 1, 1, 2, 4]));
    this.tick = {
      activity: 'idle',
      job: null,
      checkpointing: false,
      checkpointDone: false,
      util: new Int32Array(GPUS_PER_NODE),
      memUtil: new Int32Array(GPUS_PER_NODE),
      fbMiB: new Int32Array(GPUS_PER_NODE),
      idleFbMiB: idleFb,
    };
    // The window opens in the middle of some segment, not at its start.
    this.activity = rng.pick<Activity>(['idle', 'training', 'training', 'serving']);
    const length = this.startSegment(this.activity);
    this.elapsed = Math.floor(rng.next() * length);
    this.ticksLeft = length - this.elapsed;
  }

  private ticksOf(seconds: number): number {
    return Math.max(1, Math.round((seconds * 1000) / this.intervalMs));
  }

  /** Draws a segment's length (in ticks) and, for training and serving, its parameters. */
  private startSegment(activity: Activity): number {
    const rng = this.rng;
    this.activity = activity;
    this.elapsed = 0;
    this.stallLeft = 0;
    this.growthMiB = 0;
    this.job = null;
    this.sessions.length = 0;
    if (activity === 'idle') return this.ticksOf(clamp(rng.logNormal(25 * 60, 0.9), 120, 4 * 3600));
    if (activity === 'training') {
      const footprint = rng.uniform(0.5, 0.95) * FB_TOTAL_MIB;
      const checkpointEvery = this.ticksOf(rng.uniform(15, 50) * 60);
      this.job = {
        utilLevel: rng.uniform(93, 99.5),
        utilJitter: rng.uniform(0.7, 2.2),
        stallChance: rng.uniform(0.004, 0.025),
        checkpointEvery,
        checkpointTicks: this.ticksOf(rng.uniform(40, 200)),
        checkpointOffset: rng.int(0, checkpointEvery - 1),
        warmupTicks: this.ticksOf(rng.uniform(60, 300)),
        warmupSteps: rng.int(3, 6),
        footprintMiB: Array.from({ length: GPUS_PER_NODE }, () => Math.round(footprint + rng.uniform(-400, 400))),
        memoryRatio: rng.uniform(0.3, 0.8),
        hostRssBytes: rng.uniform(100, 500) * GIB,
        checkpointBytes: rng.uniform(8, 150) * GIB,
        ibBytesPerSec: rng.uniform(4e9, 12e9),
        nfsBytesPerSec: rng.uniform(20e6, 300e6),
      };
      return this.ticksOf(clamp(rng.logNormal(4 * 3600, 0.6), 20 * 60, 16 * 3600));
    }
    for (let g = 0; g < GPUS_PER_NODE; g += 1) this.sessions.push(this.newSession(this.rng.chance(0.6)));
    return this.ticksOf(clamp(rng.logNormal(2 * 3600, 0.5), 15 * 60, 8 * 3600));
  }

  private newSession(busy: boolean): GpuSession {
    const rng = this.rng;
    const notebook = rng.chance(0.3);
    return {
      busy,
      ticksLeft: busy ? this.ticksOf(clamp(rng.logNormal(30 * 60, 0.7), 60, 4 * 3600)) : this.ticksOf(clamp(rng.logNormal(10 * 60, 0.8), 30, 2 * 3600)),
      notebook,
      idleChance: notebook ? rng.uniform(0.85, 0.97) : rng.uniform(0.05, 0.4),
      level: rng.uniform(20, 90),
      fbMiB: Math.round(rng.uniform(5000, 60000)),
      memoryRatio: rng.uniform(0.2, 0.6),
      burstLeft: 0,
    };
  }

  private nextActivity(): Activity {
    const r = this.rng.next();
    if (this.activity === 'idle') return r < 0.55 ? 'training' : 'serving';
    if (this.activity === 'training') return r < 0.5 ? 'idle' : r < 0.75 ? 'training' : 'serving';
    return r < 0.5 ? 'idle' : r < 0.8 ? 'training' : 'serving';
  }

  /** Advances one tick and fills `this.tick`. */
  step(): void {
    if (this.ticksLeft <= 0) this.ticksLeft = this.startSegment(this.nextActivity());
    const tick = this.tick;
    tick.activity = this.activity;
    tick.job = this.job;
    tick.checkpointing = false;
    tick.checkpointDone = false;
    if (this.activity === 'idle') {
      tick.util.fill(0);
      tick.fbMiB.set(tick.idleFbMiB);
    } else if (this.activity === 'training') {
      this.stepTraining();
    } else {
      this.stepServing();
    }
    for (let g = 0; g < GPUS_PER_NODE; g += 1) {
      const u = tick.util[g]!;
      const ratio = this.job?.memoryRatio ?? this.sessions[g]?.memoryRatio ?? 0.4;
      // Memory bandwidth follows compute, with its own noise; zero when the GPU is idle.
      tick.memUtil[g] = u === 0 ? 0 : clamp(Math.round(u * ratio + this.rng.normal(0, 1.5)), 0, 100);
    }
    this.elapsed += 1;
    this.ticksLeft -= 1;
  }

  private stepTraining(): void {
    const rng = this.rng;
    const job = this.job!;
    const tick = this.tick;
    if (this.elapsed < job.warmupTicks) {
      // Loading data and building the model: sporadic kernels, memory allocated in a few steps.
      const fraction = Math.min(job.warmupSteps, Math.floor((job.warmupSteps * this.elapsed) / job.warmupTicks) + 1) / job.warmupSteps;
      for (let g = 0; g < GPUS_PER_NODE; g += 1) {
        tick.util[g] = rng.chance(0.35) ? 0 : Math.floor(rng.uniform(0, 40));
        const idle = tick.idleFbMiB[g]!;
        tick.fbMiB[g] = Math.round(idle + (job.footprintMiB[g]! - idle) * fraction);
      }
      return;
    }
    // The caching allocator rarely grabs another block and never gives it back during the job.
    if (rng.chance(1 / 3500)) this.growthMiB = Math.min(6144, this.growthMiB + rng.pick([256, 512, 1024, 2048]));
    const phase = (this.elapsed - job.checkpointOffset + job.checkpointEvery * 1000) % job.checkpointEvery;
    const checkpointing = phase < job.checkpointTicks;
    tick.checkpointing = checkpointing;
    tick.checkpointDone = checkpointing && phase === job.checkpointTicks - 1;
    if (this.stallLeft > 0) this.stallLeft -= 1;
    else if (!checkpointing && rng.chance(job.stallChance)) this.stallLeft = rng.int(1, 3);
    for (let g = 0; g < GPUS_PER_NODE; g += 1) {
      let u: number;
      if (checkpointing) u = rng.chance(0.65) ? 0 : rng.int(1, 10);
      else if (this.stallLeft > 0)
        u = rng.int(30, 80); // all ranks wait on the slowest loader
      else u = Math.min(100, Math.round(rng.normal(job.utilLevel, job.utilJitter)));
      tick.util[g] = u;
      tick.fbMiB[g] = Math.min(FB_TOTAL_MIB - 256, job.footprintMiB[g]! + this.growthMiB);
    }
  }

  private stepServing(): void {
    const rng = this.rng;
    const tick = this.tick;
    for (let g = 0; g < GPUS_PER_NODE; g += 1) {
      let session = this.sessions[g]!;
      if (session.ticksLeft <= 0) {
        session = this.newSession(!session.busy);
        this.sessions[g] = session;
      }
      session.ticksLeft -= 1;
      if (!session.busy) {
        tick.util[g] = 0;
        tick.fbMiB[g] = tick.idleFbMiB[g]!;
        continue;
      }
      let u: number;
      if (session.burstLeft > 0) {
        session.burstLeft -= 1;
        u = Math.min(100, Math.round(rng.normal(97, 2)));
      } else if (session.notebook && rng.chance(0.012)) {
        session.burstLeft = rng.int(2, 25); // someone ran a cell
        u = Math.min(100, Math.round(rng.normal(97, 2)));
      } else if (rng.chance(session.idleChance)) {
        u = 0;
      } else {
        u = clamp(Math.round(rng.normal(session.level, 14)), 1, 100);
      }
      tick.util[g] = u;
      tick.fbMiB[g] = session.fbMiB;
    }
  }
}

// ------------------------------------------------------------------ GPU physics

class GpuModel {
  private readonly ambient: number;
  private readonly thermalRise: number;
  private readonly thermalStep: number;
  private readonly idlePowerW: number;
  private readonly efficiency: number;
  private readonly rxBaseKBs: number;
  private readonly txBaseKBs: number;
  private readonly eccChance: number;
  private readonly eccUncorrectedAt: number;
  private readonly memClockDipChance: number;
  private temperature: number;
  private fan: number;
  private smBin = SM_BINS_MHZ.length - 1;
  private zeroRun = 0;
  private memClockDipLeft = 0;
  private eccCorrected: number;
  private ticks = 0;

  constructor(
    private readonly rng: Rng,
    intervalMs: number,
    firstUtil: number,
  ) {
    this.ambient = rng.uniform(27, 35);
    this.thermalRise = rng.uniform(36, 50);
    // Fraction of the gap to the target temperature closed per tick: a 1-2.5 minute time constant.
    this.thermalStep = 1 - Math.exp(-intervalMs / 1000 / rng.uniform(60, 150));
    this.idlePowerW = rng.uniform(58, 75);
    this.efficiency = rng.uniform(0.8, 0.96);
    this.rxBaseKBs = rng.uniform(30e3, 250e3);
    this.txBaseKBs = rng.uniform(5e3, 60e3);
    this.eccCorrected = rng.chance(0.85) ? 0 : Math.floor(rng.exponential(30));
    this.eccChance = rng.chance(0.88) ? 0 : rng.uniform(1 / 5000, 1 / 1000);
    // An uncorrectable error hits ~3 % of GPUs per day; its time is drawn once, up front.
    this.eccUncorrectedAt = Math.floor(rng.exponential((24 * 3600 * 1000) / 0.03) / intervalMs);
    this.memClockDipChance = intervalMs / (10 * 3600 * 1000);
    this.temperature = this.targetTemperature(firstUtil);
    this.fan = this.fanTarget(Math.round(this.temperature));
  }

  private targetTemperature(util: number): number {
    return this.ambient + this.thermalRise * (util / 100) ** 0.85;
  }

  private fanTarget(celsius: number): number {
    return clamp(Math.round(30 + (celsius - 33) * 1.5), 30, 100);
  }

  /** Writes this GPU's 12 values (GPU_METRICS order) at out[offset..]. */
  step(out: Float64Array, offset: number, util: number, memUtil: number, fbMiB: number, checkpointing: boolean): void {
    const rng = this.rng;
    this.temperature += (this.targetTemperature(util) - this.temperature) * this.thermalStep + rng.normal(0, 0.2);
    const celsius = clamp(Math.round(this.temperature), 25, 87);

    const load = util / 100;
    let power = this.idlePowerW + load ** 1.1 * (POWER_LIMIT_W * this.efficiency - this.idlePowerW) * (0.9 + (0.1 * memUtil) / 100);
    power += 0.3 * Math.max(0, celsius - 45) + rng.normal(0, 0.5 + 4 * load);
    if (power > POWER_LIMIT_W) power = POWER_LIMIT_W - rng.uniform(0, 4); // the power brake
    power = round2(Math.max(power, 20));

    // Idle clocks after two idle samples; otherwise boost bins that drop under heat or the power
    // cap and come back slowly once there is headroom (hysteresis).
    this.zeroRun = util === 0 ? this.zeroRun + 1 : 0;
    let sm: number;
    if (this.zeroRun >= 2) sm = SM_IDLE_MHZ;
    else {
      if (celsius >= 80 || power >= 0.96 * POWER_LIMIT_W) {
        if (rng.chance(0.25)) this.smBin = Math.max(0, this.smBin - 1);
      } else if (celsius < 75 && power < 0.88 * POWER_LIMIT_W && rng.chance(0.08)) {
        this.smBin = Math.min(SM_BINS_MHZ.length - 1, this.smBin + 1);
      }
      sm = SM_BINS_MHZ[this.smBin]!;
    }

    if (this.memClockDipLeft === 0 && rng.chance(this.memClockDipChance)) this.memClockDipLeft = rng.int(1, 5);
    let memClock = MEM_CLOCK_MHZ;
    if (this.memClockDipLeft > 0) {
      memClock = MEM_CLOCK_DOWN_MHZ;
      this.memClockDipLeft -= 1;
    }

    // The fan controller ignores changes under 3 % and moves at most 4 % per sample.
    const fanGap = this.fanTarget(celsius) - this.fan;
    if (Math.abs(fanGap) >= 3) this.fan += clamp(fanGap, -4, 4);

    let tx: number;
    let rx: number;
    if (util > 0) {
      rx = Math.floor(rng.logNormal(this.rxBaseKBs * (0.25 + load), 0.5));
      tx = Math.floor(rng.logNormal(this.txBaseKBs * (0.25 + load), 0.6));
    } else if (checkpointing) {
      rx = Math.floor(rng.logNormal(2e3, 1));
      tx = Math.floor(rng.logNormal(7e5, 0.4)); // weights and optimizer state leave the GPU
    } else {
      rx = rng.chance(0.6) ? 0 : rng.int(1, 400);
      tx = rng.chance(0.6) ? 0 : rng.int(1, 200);
    }

    if (this.eccChance > 0 && rng.chance(this.eccChance)) this.eccCorrected += rng.chance(0.8) ? 1 : rng.int(2, 4);
    const eccUncorrected = this.ticks >= this.eccUncorrectedAt ? 1 : 0;
    this.ticks += 1;

    out[offset] = util;
    out[offset + 1] = memUtil;
    out[offset + 2] = fbMiB;
    out[offset + 3] = celsius;
    out[offset + 4] = power;
    out[offset + 5] = sm;
    out[offset + 6] = memClock;
    out[offset + 7] = this.fan;
    out[offset + 8] = tx;
    out[offset + 9] = rx;
    out[offset + 10] = this.eccCorrected;
    out[offset + 11] = eccUncorrected;
  }
}

// ------------------------------------------------------------------ host

const HOST_SERIES = 30;
const NET_COUNTERS = ['eth0 rx', 'ib0 rx', 'eth0 tx', 'ib0 tx'] as const;

class HostModel {
  private readonly coreTicksMax: number;
  private readonly decay1: number;
  private readonly decay5: number;
  private readonly decay15: number;
  private load: [number, number, number] | null = null;
  private readonly osBytes: number;
  private readonly servingRssScale: number;
  private readonly loaderLevel: number;
  private memoryNoise = 0;
  private rootUsed: number;
  private scratchUsed: number;
  private readonly keptCheckpoints: number[] = [];
  private currentCheckpoint = 0;
  private readonly counters: number[];

  constructor(
    private readonly rng: Rng,
    private readonly intervalMs: number,
  ) {
    const seconds = intervalMs / 1000;
    this.coreTicksMax = Math.round(USER_HZ * seconds);
    this.decay1 = Math.exp(-seconds / 60);
    this.decay5 = Math.exp(-seconds / 300);
    this.decay15 = Math.exp(-seconds / 900);
    this.osBytes = rng.uniform(6, 16) * GIB;
    this.servingRssScale = rng.uniform(0.4, 1.2);
    this.loaderLevel = rng.uniform(35, 90);
    this.rootUsed = Math.floor((rng.uniform(20, 80) * GIB) / FS_BLOCK) * FS_BLOCK;
    this.scratchUsed = Math.floor((rng.uniform(0.5, 8) * 1024 * GIB) / FS_BLOCK) * FS_BLOCK;
    this.counters = NET_COUNTERS.map(() => Math.floor(rng.uniform(1e11, 4e13)));
  }

  /** A core's busy % over the interval, as a whole number of USER_HZ ticks (0.2 % steps over 5 s). */
  private corePercent(target: number, sd: number): number {
    const ticks = clamp(Math.round(((target + this.rng.normal(0, sd)) / 100) * this.coreTicksMax), 0, this.coreTicksMax);
    // ticks * 1000 / coreTicksMax is an integer for a 5 s interval; /10 gives the exact decimal.
    return Math.round((ticks * 1000) / this.coreTicksMax) / 10;
  }

  /** Writes the 30 host values at out[offset..]. */
  step(out: Float64Array, offset: number, node: NodeTick): void {
    const rng = this.rng;
    const job = node.job;
    let busyGpus = 0;
    let cpuSum = 0;
    for (let c = 0; c < CORES_PER_NODE; c += 1) {
      let target: number;
      let sd: number;
      if (c < GPUS_PER_NODE) {
        // One feeder process per GPU, pinned to its core: busy while its GPU computes.
        const u = node.util[c]!;
        if (u > 0) {
          busyGpus += 1;
          target = 70 + 0.28 * u;
          sd = 6;
        } else if (node.fbMiB[c]! > node.idleFbMiB[c]!) {
          target = 3;
          sd = 2;
        } else {
          target = 0.2;
          sd = 0.4;
        }
      } else if (c < CORES_PER_NODE - 2) {
        if (node.activity === 'training') [target, sd] = node.checkpointing ? [10, 5] : [this.loaderLevel, 12];
        else if (node.activity === 'serving') [target, sd] = [12, 8];
        else [target, sd] = [0.3, 0.5];
      } else {
        [target, sd] = [3, 1.5]; // system daemons, interrupts
      }
      const pct = this.corePercent(target, sd);
      out[offset + c] = pct;
      cpuSum += pct;
    }

    // Load averages: the kernel's exponentially damped averages of runnable tasks, every 5 s.
    const runnable = Math.max(0, Math.round(cpuSum / 100 + rng.normal(0, 0.7)));
    if (this.load === null) this.load = [runnable, runnable, runnable];
    const load = this.load;
    load[0] = load[0] * this.decay1 + runnable * (1 - this.decay1);
    load[1] = load[1] * this.decay5 + runnable * (1 - this.decay5);
    load[2] = load[2] * this.decay15 + runnable * (1 - this.decay15);
    out[offset + 20] = round2(load[0]);
    out[offset + 21] = round2(load[1]);
    out[offset + 22] = round2(load[2]);

    // Memory used = OS + the job's resident memory + page cache churn, counted in KiB.
    let rss = 0;
    if (job) rss = job.hostRssBytes;
    else for (let g = 0; g < GPUS_PER_NODE; g += 1) if (node.fbMiB[g]! > node.idleFbMiB[g]!) rss += node.fbMiB[g]! * MIB * this.servingRssScale;
    this.memoryNoise = this.memoryNoise * 0.97 + rng.normal(0, 3 * MIB);
    out[offset + 23] = Math.floor((this.osBytes + rss + this.memoryNoise) / 1024) * 1024;

    // Root filesystem: logs grow a few blocks at a time, a rare rotation frees space.
    if (rng.chance(0.5)) this.rootUsed += rng.int(1, 16) * FS_BLOCK;
    if (rng.chance(1 / 20_000)) this.rootUsed = Math.max(GIB, this.rootUsed - rng.int(100, 2000) * MIB);
    out[offset + 24] = this.rootUsed;

    // Scratch: checkpoints are written over their checkpoint window; only the last 3 are kept.
    if (node.checkpointing && job) {
      const perTick = job.checkpointBytes / job.checkpointTicks;
      const bytes = Math.floor((perTick * rng.uniform(0.8, 1.2)) / FS_BLOCK) * FS_BLOCK;
      this.scratchUsed += bytes;
      this.currentCheckpoint += bytes;
      if (node.checkpointDone) {
        this.keptCheckpoints.push(this.currentCheckpoint);
        this.currentCheckpoint = 0;
        if (this.keptCheckpoints.length > 3) this.scratchUsed -= this.keptCheckpoints.shift()!;
      }
    } else if (node.activity === 'serving' && rng.chance(0.05)) {
      this.scratchUsed += rng.int(1, 256) * FS_BLOCK;
    }
    out[offset + 25] = this.scratchUsed;

    // Network byte counters: NFS on eth0, collective traffic on InfiniBand while most GPUs compute.
    for (let k = 0; k < NET_COUNTERS.length; k += 1) {
      const name = NET_COUNTERS[k]!;
      const ib = name.startsWith('ib0');
      let rate: number;
      if (node.activity === 'training' && job) {
        if (ib) rate = rng.logNormal(busyGpus >= 6 ? job.ibBytesPerSec : 5e7, 0.15);
        else rate = name.endsWith('rx') ? rng.logNormal(job.nfsBytesPerSec, 0.4) : rng.logNormal(2e6, 0.5);
      } else if (node.activity === 'serving') {
        rate = ib ? rng.logNormal(1e5, 1) : rng.logNormal((name.endsWith('rx') ? 2e6 : 1e6) * (1 + busyGpus), 0.8);
      } else {
        rate = ib ? rng.logNormal(2e3, 1) : rng.logNormal(name.endsWith('rx') ? 2e4 : 8e3, 0.7);
      }
      this.counters[k]! += Math.floor((rate * this.intervalMs) / 1000);
      out[offset + 26 + k] = this.counters[k]!;
    }
  }
}

// ------------------------------------------------------------------ the cluster

class NodeModel {
  private readonly schedule: Schedule;
  private readonly gpus: GpuModel[];
  private readonly host: HostModel;
  /** The schedule's first tick was taken in the constructor (to warm up the GPUs); use it first. */
  private firstTickTaken = true;

  constructor(seed: string, name: string, intervalMs: number) {
    this.schedule = new Schedule(new Rng(`${seed}/${name}/schedule`), intervalMs);
    // GPU physics start from the first tick's load, so temperatures do not ramp up from cold.
    this.schedule.step();
    this.gpus = Array.from({ length: GPUS_PER_NODE }, (_, g) => new GpuModel(new Rng(`${seed}/${name}/gpu${g}`), intervalMs, this.schedule.tick.util[g]!));
    this.host = new HostModel(new Rng(`${seed}/${name}/host`), intervalMs);
  }

  step(out: Float64Array, offset: number): void {
    if (this.firstTickTaken) this.firstTickTaken = false;
    else this.schedule.step();
    const tick = this.schedule.tick;
    for (let g = 0; g < GPUS_PER_NODE; g += 1) {
      this.gpus[g]!.step(out, offset + g * GPU_METRICS.length, tick.util[g]!, tick.memUtil[g]!, tick.fbMiB[g]!, tick.checkpointing);
    }
    this.host.step(out, offset + GPUS_PER_NODE * GPU_METRICS.length, tick);
  }
}

export const SERIES_PER_NODE = GPUS_PER_NODE * GPU_METRICS.length + HOST_SERIES;

export function nodeName(index: number): string {
  return `gpu-node-${String(index).padStart(3, '0')}`;
}

function seriesOfNode(node: string): GeneratedSeries[] {
  const out: GeneratedSeries[] = [];
  const add = (metric: string, extra: Array<[string, string]>, decimals: number) => {
    const labels: Array<[string, string]> = [['node', node], ...extra];
    out.push({ key: [metric, ...labels.map(([k, v]) => `${k}=${v}`)].join(';'), metric, labels, counter: metric.endsWith('_total'), decimals });
  };
  for (let g = 0; g < GPUS_PER_NODE; g += 1) {
    for (const metric of GPU_METRICS) add(metric, [['gpu', String(g)]], metric === 'gpu_power_draw_watts' ? 2 : 0);
  }
  for (let c = 0; c < CORES_PER_NODE; c += 1) add('node_cpu_usage_percent', [['cpu', String(c)]], 1);
  for (const metric of ['node_load1', 'node_load5', 'node_load15']) add(metric, [], 2);
  add('node_memory_used_bytes', [], 0);
  add('node_filesystem_used_bytes', [['mountpoint', '/']], 0);
  add('node_filesystem_used_bytes', [['mountpoint', '/scratch']], 0);
  for (const name of NET_COUNTERS) {
    const [device, direction] = name.split(' ') as [string, string];
    add(direction === 'rx' ? 'node_network_receive_bytes_total' : 'node_network_transmit_bytes_total', [['device', device]], 0);
  }
  return out;
}

export interface GeneratorOptions {
  nodes: number;
  seed?: string;
  startMs?: number;
  intervalMs?: number;
}

/** The cluster: `next()` writes one tick of every series, in `series` order. */
export class TelemetryGenerator {
  readonly series: GeneratedSeries[];
  readonly intervalMs: number;
  private readonly startMs: number;
  private readonly nodes: NodeModel[];
  private step = 0;

  constructor(options: GeneratorOptions) {
    if (!Number.isInteger(options.nodes) || options.nodes < 1) throw new Error('generator: nodes must be a positive integer');
    const seed = options.seed ?? DEFAULT_SEED;
    this.intervalMs = options.intervalMs ?? DEFAULT_INTERVAL_MS;
    this.startMs = options.startMs ?? DEFAULT_START_MS;
    const names = Array.from({ length: options.nodes }, (_, i) => nodeName(i));
    this.series = names.flatMap(seriesOfNode);
    this.nodes = names.map((name) => new NodeModel(seed, name, this.intervalMs));
  }

  /** Ticks in `hours` of data. */
  ticksIn(hours: number): number {
    return Math.round((hours * 3_600_000) / this.intervalMs);
  }

  /** Writes the next tick's values into `out` (length >= series.length); returns its time (ms). */
  next(out: Float64Array): number {
    for (let n = 0; n < this.nodes.length; n += 1) this.nodes[n]!.step(out, n * SERIES_PER_NODE);
    const t = this.startMs + this.step * this.intervalMs;
    this.step += 1;
    return t;
  }
}
