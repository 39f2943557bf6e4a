import { describe, expect, it } from 'vitest';
import { parseNvidiaSmiXml } from '../../../electron/core/collectors/nvidia-smi-xml';
import { ruleMetricValues, RULE_METRIC_NAMES, isRuleMetric } from '../../../electron/core/alerts/rule-metrics';
import { METRIC_NAMES } from '../../../shared/model/metrics';
import { gpu, snapshot } from '../../helpers/snapshots';
import { listFixtures, readFixture } from '../../helpers/fixtures';

const T0 = 1_700_000_000_000;

describe('rule metrics', () => {
  it('offers every stored metric, with the same values the store keeps', () => {
    for (const name of METRIC_NAMES) expect(isRuleMetric(name), name).toBe(true);
    expect(RULE_METRIC_NAMES.slice(0, METRIC_NAMES.length)).toEqual(METRIC_NAMES);
    const s = snapshot(T0);
    expect(ruleMetricValues('fs.used_pct', s)).toEqual([{ device: '/', value: 40 }]);
    expect(ruleMetricValues('gpu.temperature_c', s)).toEqual([{ device: 'GPU-aaaaaaaa-0000-0000-0000-000000000000', value: 40 }]);
  });

  it('derives per-mount inode use, available memory and load per core', () => {
    const s = snapshot(T0, {
      cpu: { model: null, cores: 8, utilPct: 90, perCoreUtilPct: [], load1: 36, load5: 20, load15: 10 },
      memory: { totalBytes: 64e9, usedBytes: 61e9, availableBytes: 3.2e9, usedPct: 95, swapTotalBytes: 0, swapUsedBytes: 0 },
      filesystems: [
        { mount: '/', device: '/dev/sda1', fsType: 'ext4', sizeBytes: 100, usedBytes: 40, availableBytes: 60, usedPct: 40, inodesTotal: 1000, inodesUsed: 960 },
        {
          mount: '/data',
          device: 'pool/data',
          fsType: 'zfs',
          sizeBytes: 100,
          usedBytes: 1,
          availableBytes: 99,
          usedPct: 1,
          inodesTotal: null,
          inodesUsed: null,
        },
        {
          mount: '/boot/efi',
          device: '/dev/sda2',
          fsType: 'vfat',
          sizeBytes: 100,
          usedBytes: 1,
          availableBytes: 99,
          usedPct: 1,
          inodesTotal: 0,
          inodesUsed: 0,
        },
      ],
    });
    expect(ruleMetricValues('fs.inodes_used_pct', s)).toEqual([{ device: '/', value: 96 }]);
    expect(ruleMetricValues('fs.available_bytes', s).map((v) => v.device)).toEqual(['/', '/data', '/boot/efi']);
    expect(ruleMetricValues('memory.available_pct', s)).toEqual([{ device: '', value: 5 }]);
    expect(ruleMetricValues('swap.used_pct', s)).toEqual([]); // no swap: nothing to alert on
    expect(ruleMetricValues('cpu.load_per_core', s)).toEqual([{ device: '', value: 4.5 }]);
    expect(ruleMetricValues('cpu.load5_per_core', s)).toEqual([{ device: '', value: 2.5 }]);
  });

  it('gives nothing where the data is missing, and nothing for an unknown name', () => {
    const s = snapshot(T0, { cpu: null, memory: null, filesystems: [], gpus: [gpu({ fbMemoryTotalMib: null, eccErrors: null, remappedRows: null })] });
    for (const name of [
      'cpu.load_per_core',
      'memory.available_pct',
      'fs.inodes_used_pct',
      'gpu.memory_used_pct',
      'gpu.ecc_volatile_uncorrected',
      'gpu.remapped_rows_uncorrectable',
    ]) {
      expect(ruleMetricValues(name, s), name).toEqual([]);
    }
    expect(ruleMetricValues('no.such_metric', snapshot(T0))).toEqual([]);
    expect(isRuleMetric('no.such_metric')).toBe(false);
  });

  it('reads GPU memory health counters from real nvidia-smi captures, per GPU key', () => {
    let sawEcc = false;
    for (const file of listFixtures('nvidia-smi/xml', '.xml')) {
      const gpus = parseNvidiaSmiXml(readFixture('nvidia-smi/xml', file)).gpus;
      const s = snapshot(T0, { gpus });
      const uncorrected = ruleMetricValues('gpu.ecc_aggregate_uncorrected', s);
      const expected = gpus.filter((g) => g.eccErrors?.aggregate?.uncorrected != null).map((g) => g.eccErrors!.aggregate!.uncorrected);
      expect(
        uncorrected.map((v) => v.value),
        file,
      ).toEqual(expected);
      if (uncorrected.length) sawEcc = true;
      for (const v of ruleMetricValues('gpu.memory_used_pct', s)) expect(v.value, file).toBeGreaterThanOrEqual(0);
      for (const v of ruleMetricValues('gpu.memory_used_pct', s)) expect(v.value, file).toBeLessThanOrEqual(100);
      const remapped = ruleMetricValues('gpu.remapped_rows_uncorrectable', s);
      expect(
        remapped.map((v) => v.device),
        file,
      ).toEqual(gpus.filter((g) => g.remappedRows?.uncorrectable != null).map((g) => g.uuid ?? g.pciBusId));
    }
    expect(sawEcc).toBe(true);
  });

  it('computes power as a share of the enforced limit, else the configured one', () => {
    const s = snapshot(T0, {
      gpus: [
        gpu({ powerDrawW: 350, powerLimitW: 700, enforcedPowerLimitW: 500 }),
        gpu({ uuid: 'GPU-b', powerDrawW: 350, powerLimitW: 700, enforcedPowerLimitW: null }),
      ],
    });
    expect(ruleMetricValues('gpu.power_pct_of_limit', s).map((v) => v.value)).toEqual([70, 50]);
  });
});
