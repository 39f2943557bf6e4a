import { describe, expect, it } from 'vitest';
import { decodeClockEventReasons, parseNvidiaSmiCsv } from '../../../../electron/core/collectors/linux/nvidia-smi-csv';
import { GPU_QUERY_FIELDS, GPU_QUERY_PROFILES, type GpuQueryProfile } from '../../../../electron/core/collectors/linux/scripts';
import { parseNvidiaSmiXml } from '../../../../electron/core/collectors/nvidia-smi-xml';
import { GpuSchema, type Gpu } from '../../../../shared/model/gpu';
import { listFixtures, readFixture } from '../../../helpers/fixtures';

const DIR = 'nvidia-smi/csv';
const CAPTURES = listFixtures(DIR, '.query-gpu.csv');

/**
 * Read off each capture: utilization.gpu, utilization.memory, memory.total, memory.used,
 * temperature.gpu, power.draw, power.draw.average, power.draw.instant, power.limit,
 * clocks.current.sm, fan.speed, mig.mode.current, and the reasons whose own column says Active.
 */
type Row = [number | null, number | null, number, number, number, number, number | null, number | null, number, number, number | null, string | null, string[]];
const EXPECTED: Record<string, Row> = {
  'h100-80gb-hbm3-linux-drv590.48.01-idle': [0, 0, 81559, 0, 41, 69.85, 69.85, 69.62, 700, 345, null, 'Disabled', ['gpu_idle']],
  'h100-80gb-hbm3-linux-drv590.48.01-load': [100, 11, 81559, 19818, 59, 631.95, 631.95, 625.68, 700, 1980, null, 'Disabled', []],
  // MIG: utilization is [N/A] and remapped rows too.
  'h100-80gb-hbm3-mig-linux-drv590.48.01-idle': [null, null, 81559, 59, 42, 71.15, 71.15, 70.72, 700, 345, null, 'Enabled', ['gpu_idle']],
  'h100-80gb-hbm3-mig-linux-drv590.48.01-load': [null, null, 81559, 11125, 53, 433.78, 433.78, 447.35, 700, 1980, null, 'Enabled', []],
  'h200-linux-drv590.48.01-idle': [0, 0, 143771, 0, 28, 77.71, 77.71, 78.21, 700, 345, null, 'Disabled', ['gpu_idle']],
  'h200-linux-drv590.48.01-load': [100, 7, 143771, 32362, 52, 627.4, 627.4, 626.26, 700, 1980, null, 'Disabled', []],
  'h200-mig-linux-drv590.48.01-idle': [null, null, 143771, 55, 28, 78.28, 78.28, 78.21, 700, 345, null, 'Enabled', ['gpu_idle']],
  'h200-mig-linux-drv590.48.01-load': [null, null, 143771, 16959, 36, 295.01, 295.01, 294.14, 700, 1980, null, 'Enabled', []],
  'l40s-linux-drv595.80-idle': [100, 9, 46068, 0, 63, 144.97, 144.97, 127.67, 350, 2520, null, null, []],
  'l40s-linux-drv595.80-load': [9, 2, 46068, 1235, 54, 110.23, 110.23, 112.38, 350, 2520, null, null, []],
  // Driver 465: power.draw only, clocks_throttle_reasons.
  'rtx-2080-super-linux-drv465.27': [0, 10, 7979, 344, 32, 30.37, null, null, 250, 300, 38, null, ['gpu_idle']],
  // Turing on 595: average is [N/A], instant is set; power.draw follows the instant value.
  'rtx-2080-super-linux-drv595.71.05-idle': [0, 9, 8192, 214, 40, 39.32, null, 39.32, 250, 765, 38, null, ['sw_power_cap']],
  'rtx-2080-super-linux-drv595.71.05-load': [8, 3, 8192, 819, 45, 111.5, null, 111.5, 250, 2055, 38, null, []],
  'rtx-2080-super-linux-drv610.57.04-idle': [0, 0, 8192, 211, 33, 39.17, null, 39.17, 250, 765, 38, null, ['gpu_idle']],
  'rtx-2080-super-linux-drv610.57.04-load': [8, 3, 8192, 815, 38, 98.14, null, 98.14, 250, 2070, 38, null, []],
  'rtx-2080-super-windows-drv466.63': [0, 10, 8192, 856, 35, 31.12, null, null, 250, 300, 38, null, ['gpu_idle']],
  'rtx-2080-super-windows-drv591.86-idle': [0, 0, 8192, 702, 40, 38.92, null, 38.92, 250, 300, 37, null, ['gpu_idle']],
  'rtx-2080-super-windows-drv591.86-load': [7, 3, 8192, 1296, 45, 97.43, null, 97.43, 250, 2055, 38, null, ['gpu_idle']],
  'rtx-2080-super-windows-drv610.62-idle': [0, 10, 8192, 797, 40, 39.25, null, 39.25, 250, 300, 38, null, ['gpu_idle']],
  'rtx-2080-super-windows-drv610.62-load': [7, 3, 8192, 1366, 44, 97.99, null, 97.99, 250, 2040, 38, null, []],
  'rtx-4080-super-linux-drv595.71.05-idle': [0, 23, 16376, 596, 43, 26.2, 26.2, 28.77, 320, 210, 0, null, ['gpu_idle']],
  'rtx-4080-super-linux-drv595.71.05-load': [7, 2, 16376, 1474, 46, 84.24, 84.24, 86.41, 320, 2805, 0, null, []],
};

const name = (file: string) => file.replace(/\.query-gpu\.csv$/, '');
const driverMajor = (file: string) => Number(/drv(\d+)/.exec(file)![1]);

function picked(g: Gpu): Row {
  return [
    g.gpuUtilPct,
    g.memoryUtilPct,
    g.fbMemoryTotalMib!,
    g.fbMemoryUsedMib!,
    g.temperatureC!,
    g.powerDrawW!,
    g.powerDrawAverageW,
    g.powerDrawInstantW,
    g.powerLimitW!,
    g.smClockMhz!,
    g.fanSpeedPct,
    g.migModeCurrent,
    g.clockEventReasonsActive!,
  ];
}

/** A capture's header and its one GPU row as field -> raw value. */
function cells(file: string): Map<string, string> {
  const [header, row] = readFixture(DIR, file).split('\n');
  const names = header!.split(', ').map((h) => h.replace(/ \[.*\]$/, ''));
  const values = row!.split(', ');
  return new Map(names.map((n, i) => [n, values[i]!]));
}

/** The fields a capture's command asked for. */
function cmdFields(file: string): string[] {
  const cmd = readFixture(DIR, file.replace(/\.csv$/, '.cmd'));
  return /--query-gpu="?([^" ]+)/.exec(cmd)![1]!.split(',');
}

describe('parseNvidiaSmiCsv over every real --query-gpu capture (header and units)', () => {
  it('has an expectation for every capture', () => {
    expect(CAPTURES.map(name).sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  for (const file of CAPTURES) {
    it(`${name(file)} reads to its values`, () => {
      const got = parseNvidiaSmiCsv(readFixture(DIR, file));
      expect(got.warnings).toEqual([]);
      expect(got.gpus).toHaveLength(1);
      const gpu = got.gpus[0]!;
      expect(picked(gpu)).toEqual(EXPECTED[name(file)]);
      expect(GpuSchema.parse(gpu)).toEqual(gpu);
      const raw = cells(file);
      expect(gpu.index).toBe(0);
      expect(gpu.uuid).toBe(raw.get('uuid'));
      expect(gpu.pciBusId).toBe(raw.get('pci.bus_id'));
      expect(gpu.productName).toBe(raw.get('name'));
      expect(got.driverVersion).toBe(raw.get('driver_version'));
      expect(gpu.enforcedPowerLimitW).toBe(Number(raw.get('enforced.power.limit')!.split(' ')[0]));
      // What the CSV cannot say.
      expect([gpu.minorNumber, gpu.cudaVersion, gpu.migDeviceCount, gpu.processCount]).toEqual([null, null, null, null]);
    });
  }

  it('reads ECC, retired pages and remapped rows where the GPU has them', () => {
    const h100 = parseNvidiaSmiCsv(readFixture(DIR, 'h100-80gb-hbm3-linux-drv590.48.01-load.query-gpu.csv')).gpus[0]!;
    expect(h100.eccModeCurrent).toBe('Enabled');
    expect(h100.eccErrors).toEqual({ volatile: { corrected: 0, uncorrected: 0 }, aggregate: { corrected: 0, uncorrected: 0 } });
    expect(h100.retiredPages).toBeNull();
    expect(h100.remappedRows).toEqual({ correctable: 0, uncorrectable: 0, pending: 'No', failure: 'No' });
    const geforce = parseNvidiaSmiCsv(readFixture(DIR, 'rtx-2080-super-linux-drv465.27.query-gpu.csv')).gpus[0]!;
    // As the XML reference has it for GeForce cards: the ECC block exists, both sides null.
    expect([geforce.eccModeCurrent, geforce.eccErrors, geforce.retiredPages, geforce.remappedRows]).toEqual([
      null,
      { volatile: null, aggregate: null },
      null,
      null,
    ]);
  });

  it('decodes the clock event mask to exactly the reasons whose own column says Active', () => {
    for (const file of CAPTURES) {
      const raw = cells(file);
      const prefix = raw.has('clocks_event_reasons.active') ? 'clocks_event_reasons' : 'clocks_throttle_reasons';
      const mask = BigInt(raw.get(`${prefix}.active`)!);
      const active = [...raw].filter(([k, v]) => k.startsWith(`${prefix}.`) && v === 'Active').map(([k]) => k.slice(prefix.length + 1));
      expect(decodeClockEventReasons(mask).sort(), file).toEqual(active.sort());
    }
  });
});

describe('the per-tick field lists against what each driver accepted', () => {
  for (const file of CAPTURES) {
    const major = driverMajor(file);
    const profiles: GpuQueryProfile[] = major >= 550 ? ['current', 'basic'] : ['r450', 'legacy', 'basic'];
    it(`${name(file)}: every field of ${profiles.join(', ')} was asked of driver ${major} and answered`, () => {
      const asked = new Set(cmdFields(file));
      for (const profile of profiles) {
        expect(GPU_QUERY_FIELDS[profile as Exclude<GpuQueryProfile, 'none'>].filter((f) => !asked.has(f))).toEqual([]);
      }
    });
  }

  it('every profile starts with the same fields, in the same order', () => {
    for (const profile of GPU_QUERY_PROFILES) expect(GPU_QUERY_FIELDS[profile].slice(0, GPU_QUERY_FIELDS.basic.length)).toEqual(GPU_QUERY_FIELDS.basic);
  });
});

/** The `--format=csv,noheader,nounits` text a driver prints for `fields`, built from a capture. */
function noHeaderNoUnits(file: string, fields: readonly string[]): string {
  const raw = cells(file);
  const alias = (f: string) => (f === 'clocks_throttle_reasons.active' && !raw.has(f) ? 'clocks_event_reasons.active' : f);
  return `${fields.map((f) => raw.get(alias(f))!.replace(/ (W|MiB|MHz|%)$/, '')).join(', ')}\n`;
}

describe('parseNvidiaSmiCsv on the form the collector runs (noheader, nounits)', () => {
  for (const file of CAPTURES) {
    const profile = driverMajor(file) >= 550 ? 'current' : 'r450';
    it(`${name(file)}: the ${profile} columns read the same as the full capture`, () => {
      const fields = GPU_QUERY_FIELDS[profile];
      const fast = parseNvidiaSmiCsv(noHeaderNoUnits(file, fields), fields);
      const full = parseNvidiaSmiCsv(readFixture(DIR, file));
      expect(fast.warnings).toEqual([]);
      expect(fast.gpus).toEqual(full.gpus);
    });
  }

  it('reads several GPUs, one line each, and takes the index column', () => {
    const fields = ['index', 'uuid', 'utilization.gpu'];
    const got = parseNvidiaSmiCsv('0, GPU-a, 10\n1, GPU-b, 20\n3, GPU-c, [N/A]\n', fields);
    expect(got.gpus.map((g) => [g.index, g.uuid, g.gpuUtilPct])).toEqual([
      [0, 'GPU-a', 10],
      [1, 'GPU-b', 20],
      [3, 'GPU-c', null],
    ]);
  });

  it('reads the old query names as aliases (clocks.sm, retired_pages.sbe, clocks_throttle_reasons.active)', () => {
    const fields = ['index', 'clocks.sm', 'retired_pages.sbe', 'retired_pages.dbe', 'retired_pages.pending', 'clocks_throttle_reasons.active'];
    const gpu = parseNvidiaSmiCsv('0, 1410, 2, 0, No, 0x0000000000000044\n', fields).gpus[0]!;
    expect([gpu.smClockMhz, gpu.retiredPages, gpu.clockEventReasonsActive]).toEqual([
      1410,
      { singleBit: 2, doubleBit: 0, pending: 'No' },
      ['sw_power_cap', 'hw_thermal_slowdown'],
    ]);
  });
});

describe('parseNvidiaSmiCsv null tokens and hostile input', () => {
  const fields = ['index', 'name', 'memory.used', 'power.draw', 'temperature.gpu', 'clocks_event_reasons.active'];

  it('reads every bracketed null token, and bare N/A, as null', () => {
    for (const token of [
      '[N/A]',
      '[Not Supported]',
      '[Requested functionality has been deprecated]',
      '[Function Not Found]',
      '[Unknown Error]',
      'N/A',
      '[GPU is lost]',
    ]) {
      const gpu = parseNvidiaSmiCsv(`0, X, ${token}, ${token}, ${token}, ${token}\n`, fields).gpus[0]!;
      expect([gpu.fbMemoryUsedMib, gpu.powerDrawW, gpu.temperatureC, gpu.clockEventReasonsActive], token).toEqual([null, null, null, null]);
    }
  });

  it('refuses a unit that differs from the header, negatives and words, with warnings', () => {
    const got = parseNvidiaSmiCsv('index, memory.used [MiB], power.draw [W], utilization.gpu [%]\n0, 819 GiB, -5 W, lots\n');
    expect([got.gpus[0]!.fbMemoryUsedMib, got.gpus[0]!.powerDrawW, got.gpus[0]!.gpuUtilPct]).toEqual([null, null, null]);
    expect(got.warnings).toHaveLength(3);
  });

  it('skips a line with missing or extra columns', () => {
    const got = parseNvidiaSmiCsv('0, A, 1, 2, 3, 0x0\n1, B, 1\n2, C, 1, 2, 3, 0x0, extra\n', fields);
    expect(got.gpus.map((g) => g.productName)).toEqual(['A']);
    expect(got.warnings).toHaveLength(2);
  });

  it('names unknown clock event bits instead of dropping them, and refuses a bad mask', () => {
    expect(decodeClockEventReasons(0x401n)).toEqual(['gpu_idle', 'unknown_0x400']);
    const got = parseNvidiaSmiCsv('0, A, 1, 2, 3, 0xZZ\n', fields);
    expect(got.gpus[0]!.clockEventReasonsActive).toBeNull();
    expect(got.warnings[0]).toMatch(/not a hex mask/);
  });

  it('never throws on junk and keeps __proto__ out of play', () => {
    for (const junk of ['', '\u0000\u0001', 'NVIDIA-SMI has failed because it could not communicate with the NVIDIA driver.', `${'x, '.repeat(100_000)}x`]) {
      expect(parseNvidiaSmiCsv(junk, fields).gpus).toEqual([]);
    }
    const got = parseNvidiaSmiCsv('index, constructor, prototype\n1, 2, 3\n');
    expect(got.gpus.map((g) => g.index)).toEqual([1]);
    expect(({} as Record<string, unknown>)['1']).toBeUndefined();
  });

  it('stops at a plausible number of GPUs', () => {
    const got = parseNvidiaSmiCsv('0, A, 1, 2, 3, 0x0\n'.repeat(2000), fields);
    expect(got.gpus).toHaveLength(1024);
    expect(got.warnings.at(-1)).toMatch(/more than 1024/);
  });
});

describe('CSV and XML give the same model', () => {
  // No machine in the fixture set has both a CSV and an XML capture (the CSV captures are H100,
  // H200, L40S, RTX 2080/4080 SUPER; the XML ones other cards), so values cannot be compared
  // field by field. What can be: both produce the same fields, and each is a valid Gpu.
  it('produces exactly the fields the XML path produces', () => {
    const xml = parseNvidiaSmiXml(readFixture('nvidia-smi/xml', 'rtx-3090-drv590-v13.xml')).gpus[0]!;
    const csv = parseNvidiaSmiCsv(readFixture(DIR, CAPTURES[0]!)).gpus[0]!;
    // processes and migDevices are optional: the XML lists them, the GPU query cannot (the
    // per-tick compute apps add processes, gpu-processes.ts).
    const required = (gpu: object) =>
      Object.keys(gpu)
        .filter((k) => k !== 'processes' && k !== 'migDevices')
        .sort();
    expect(required(csv)).toEqual(required(xml));
    expect(Object.keys(csv)).not.toContain('processes');
  });
});
