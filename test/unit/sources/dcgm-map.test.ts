import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GpuSchema } from '../../../shared/model/gpu';
import { dcgmGpus, dcgmGpuStatus, dcgmLastXids, dcgmValue, normalisePciBusId } from '../../../electron/core/sources/dcgm-map';
import { exposedSamples, parseExposition } from '../../../electron/core/sources/exposition';

const LIMITS = { maxSeries: 100_000, maxBytes: 16 * 1024 * 1024 };

function capture(name: string) {
  const parsed = parseExposition(readFileSync(join(__dirname, '../../fixtures/prometheus/dcgm-exporter', name), 'utf8'), LIMITS);
  expect(parsed.warnings).toEqual([]);
  return exposedSamples(parsed);
}

function text(lines: string[]) {
  const parsed = parseExposition(lines.join('\n') + '\n', LIMITS);
  expect(parsed.warnings).toEqual([]);
  return exposedSamples(parsed);
}

describe('dcgmGpus on real dcgm-exporter captures', () => {
  it('L4, dcgm-exporter 4.x: the numbers of the file, memory total = used + free + reserved', () => {
    const gpus = dcgmGpus(capture('l4-drv580.105.08.kops-conformance.prom'));
    expect(gpus).toHaveLength(1);
    const gpu = GpuSchema.parse(gpus[0]);
    expect(gpu).toMatchObject({
      index: 0,
      minorNumber: 0,
      productName: 'NVIDIA L4',
      uuid: 'GPU-c2f76b33-7953-256e-8f33-1343419b1a1c',
      pciBusId: '00000000:31:00.0',
      driverVersion: '580.105.08',
      gpuUtilPct: 0,
      memoryUtilPct: 0,
      fbMemoryUsedMib: 0,
      fbMemoryTotalMib: 22563 + 0 + 470,
      temperatureC: 31,
      powerDrawW: 16.365,
      smClockMhz: 210,
      remappedRows: { correctable: 0, uncorrectable: 0, pending: null, failure: 'No' },
      // Not in the 4.x default field set: missing, not 0.
      eccErrors: null,
      retiredPages: null,
      fanSpeedPct: null,
      powerLimitW: null,
      migModeCurrent: null,
    });
    expect(dcgmGpuStatus(gpus)).toEqual({ state: 'ok', message: '', driverVersion: '580.105.08', cudaVersion: null });
  });

  it('L40S, dcgm-exporter 4.x', () => {
    const [gpu] = dcgmGpus(capture('l40s-drv595.58.03.upcloud-conformance.prom'));
    expect(gpu).toMatchObject({
      productName: 'NVIDIA L40S',
      uuid: 'GPU-5b4e07f6-3a86-4340-039d-25f2a83cdc43',
      pciBusId: '00000000:00:07.0',
      driverVersion: '595.58.03',
      fbMemoryTotalMib: 45459 + 608,
      fbMemoryUsedMib: 0,
      temperatureC: 32,
      powerDrawW: 35.686,
      smClockMhz: 210,
      gpuUtilPct: 0,
    });
  });

  it('a vGPU guest (GRID A100-10C): no power and no temperature are missing, not 0', () => {
    const [gpu] = dcgmGpus(capture('grid-a100-10c-vgpu-drv580.126.09.vks-conformance.prom'));
    expect(gpu).toMatchObject({
      productName: 'GRID A100-10C',
      pciBusId: '00000000:03:00.0',
      fbMemoryTotalMib: 9323 + 916,
      smClockMhz: 1410,
      temperatureC: null,
      powerDrawW: null,
      remappedRows: null,
    });
  });

  it('Tesla T4, dcgm-exporter 2.x: no pci_bus_id, no FB_RESERVED, an Xid field of 0', () => {
    const samples = capture('tesla-t4-drv460.106.00-exporter2x.datadog.prom');
    const [gpu] = dcgmGpus(samples);
    expect(gpu).toMatchObject({
      productName: 'Tesla T4',
      uuid: 'GPU-20c56d28-0da5-6d26-a36a-e7af1ce2586e',
      pciBusId: null,
      driverVersion: '460.106.00',
      fbMemoryTotalMib: 15109,
      fbMemoryUsedMib: 0,
      temperatureC: 25,
      powerDrawW: 8.969,
      smClockMhz: 300,
    });
    expect(dcgmLastXids(samples).size).toBe(0);
  });
});

describe('dcgmGpus: what the captures do not show', () => {
  const labels = (gpu: number, uuid: string, extra = '') =>
    `{gpu="${gpu}",UUID="${uuid}",pci_bus_id="0000:3b:00.0",device="nvidia${gpu}",modelName="NVIDIA H100 80GB HBM3",Hostname="n1",DCGM_FI_DRIVER_VERSION="550.54.15"${extra}}`;

  it('reads the DCGM blank sentinel (and the fp64 blank) as missing, never as a number', () => {
    const gpus = dcgmGpus(
      text([
        `DCGM_FI_DEV_GPU_TEMP${labels(0, 'GPU-a')} 9223372036854775794`,
        `DCGM_FI_DEV_POWER_USAGE${labels(0, 'GPU-a')} 140737488355328.000000`,
        `DCGM_FI_DEV_SM_CLOCK${labels(0, 'GPU-a')} 9223372036854775807`,
        `DCGM_FI_DEV_GPU_UTIL${labels(0, 'GPU-a')} NaN`,
        `DCGM_FI_DEV_FB_USED${labels(0, 'GPU-a')} 100`,
      ]),
    );
    expect(gpus[0]).toMatchObject({ temperatureC: null, powerDrawW: null, smClockMhz: null, gpuUtilPct: null, fbMemoryUsedMib: 100, fbMemoryTotalMib: null });
    expect(dcgmValue(9223372036854775792)).toBeNull();
    expect(dcgmValue(140737488355327)).toBe(140737488355327);
  });

  it("normalises a short PCI domain to nvidia-smi's form, and orders GPUs by index", () => {
    const gpus = dcgmGpus(text([`DCGM_FI_DEV_GPU_UTIL${labels(1, 'GPU-b').replace('0000:3b', '0000:5e')} 40`, `DCGM_FI_DEV_GPU_UTIL${labels(0, 'GPU-a')} 97`]));
    expect(gpus.map((g) => [g.index, g.uuid, g.pciBusId, g.gpuUtilPct, g.minorNumber])).toEqual([
      [0, 'GPU-a', '00000000:3B:00.0', 97, 0],
      [1, 'GPU-b', '00000000:5E:00.0', 40, 1],
    ]);
    expect(normalisePciBusId('00000000:31:00.0')).toBe('00000000:31:00.0');
    expect(normalisePciBusId('3b:00.0')).toBe('00000000:3B:00.0');
    expect(normalisePciBusId('not a bus id')).toBeNull();
  });

  it('maps ECC, retired pages and row remapping for the memory-health detectors', () => {
    const l = labels(0, 'GPU-a');
    const [gpu] = dcgmGpus(
      text([
        `DCGM_FI_DEV_ECC_SBE_VOL_TOTAL${l} 12`,
        `DCGM_FI_DEV_ECC_DBE_VOL_TOTAL${l} 2`,
        `DCGM_FI_DEV_ECC_SBE_AGG_TOTAL${l} 40`,
        `DCGM_FI_DEV_ECC_DBE_AGG_TOTAL${l} 3`,
        `DCGM_FI_DEV_RETIRED_SBE${l} 1`,
        `DCGM_FI_DEV_RETIRED_DBE${l} 2`,
        `DCGM_FI_DEV_RETIRED_PENDING${l} 1`,
        `DCGM_FI_DEV_UNCORRECTABLE_REMAPPED_ROWS${l} 4`,
        `DCGM_FI_DEV_CORRECTABLE_REMAPPED_ROWS${l} 5`,
        `DCGM_FI_DEV_ROW_REMAP_PENDING${l} 1`,
        `DCGM_FI_DEV_ROW_REMAP_FAILURE${l} 0`,
        `DCGM_FI_DEV_ECC_CURRENT${l} 1`,
      ]),
    );
    expect(gpu).toMatchObject({
      eccModeCurrent: 'Enabled',
      eccErrors: { volatile: { corrected: 12, uncorrected: 2 }, aggregate: { corrected: 40, uncorrected: 3 } },
      retiredPages: { singleBit: 1, doubleBit: 2, pending: 'Yes' },
      remappedRows: { correctable: 5, uncorrectable: 4, pending: 'Yes', failure: 'No' },
    });
  });

  it('gives the last Xid per GPU (by UUID) where it is not 0', () => {
    const xids = dcgmLastXids(
      text([`DCGM_FI_DEV_XID_ERRORS${labels(0, 'GPU-a')} 79`, `DCGM_FI_DEV_XID_ERRORS${labels(1, 'GPU-b')} 0`, `DCGM_FI_DEV_GPU_UTIL${labels(2, 'GPU-c')} 0`]),
    );
    expect([...xids]).toEqual([['GPU-a', 79]]);
  });

  it('takes device fields from the whole GPU over its MIG instances, and counts the instances', () => {
    const [gpu] = dcgmGpus(
      text([
        `DCGM_FI_DEV_GPU_TEMP${labels(0, 'GPU-a', ',GPU_I_PROFILE="1g.10gb",GPU_I_ID="7"')} 41`,
        `DCGM_FI_DEV_GPU_TEMP${labels(0, 'GPU-a', ',GPU_I_PROFILE="1g.10gb",GPU_I_ID="8"')} 41`,
        `DCGM_FI_DEV_FB_USED${labels(0, 'GPU-a', ',GPU_I_PROFILE="1g.10gb",GPU_I_ID="7"')} 10`,
        `DCGM_FI_DEV_FB_USED${labels(0, 'GPU-a')} 20`,
      ]),
    );
    expect(gpu).toMatchObject({ temperatureC: 41, fbMemoryUsedMib: 20, migDeviceCount: 2, migModeCurrent: 'Enabled' });
  });

  it("ignores other exporters' series, and says no devices when DCGM lists none", () => {
    const samples = text(['node_load1 3', 'nvidia_smi_temperature_gpu{uuid="x"} 40']);
    expect(dcgmGpus(samples)).toEqual([]);
    expect(dcgmGpuStatus([]).state).toBe('no-devices');
  });

  it('keeps one GPU past the node bound, so that the cut is seen, and no more', () => {
    const lines = Array.from({ length: 200 }, (_, i) => `DCGM_FI_DEV_GPU_UTIL{gpu="${i}",UUID="GPU-${i}"} 1`);
    expect(dcgmGpus(text(lines))).toHaveLength(65);
  });
});
