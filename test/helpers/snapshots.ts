import type { Gpu } from '../../shared/model/gpu';
import type { NodeSnapshot } from '../../shared/model/node';

export function gpu(overrides: Partial<Gpu> = {}): Gpu {
  return {
    index: 0,
    minorNumber: 0,
    productName: 'NVIDIA H100 80GB HBM3',
    uuid: 'GPU-aaaaaaaa-0000-0000-0000-000000000000',
    pciBusId: '00000000:18:00.0',
    driverVersion: '590.48.01',
    cudaVersion: '13.1',
    fanSpeedPct: null,
    gpuUtilPct: 50,
    memoryUtilPct: 10,
    fbMemoryTotalMib: 81559,
    fbMemoryUsedMib: 1024,
    temperatureC: 40,
    powerDrawW: 120.5,
    powerDrawAverageW: 120.5,
    powerDrawInstantW: 121,
    powerLimitW: 700,
    enforcedPowerLimitW: null,
    smClockMhz: 1980,
    eccModeCurrent: 'Enabled',
    eccErrors: { volatile: { corrected: 0, uncorrected: 0 }, aggregate: { corrected: 0, uncorrected: 0 } },
    retiredPages: null,
    remappedRows: { correctable: 0, uncorrectable: 0, pending: 'No', failure: 'No' },
    migModeCurrent: 'Disabled',
    migDeviceCount: 0,
    processCount: 0,
    clockEventReasonsActive: [],
    ...overrides,
  };
}

/** A plausible snapshot whose values are derived from `t`, so tests can predict them. */
export function snapshot(t: number, overrides: Partial<NodeSnapshot> = {}): NodeSnapshot {
  const step = Math.floor(t / 1000) % 100;
  return {
    id: 'node-a',
    hostname: 'node-a',
    collectedAt: t,
    os: { platform: 'linux', distro: 'Debian GNU/Linux', release: '12', kernel: '6.1.0-28-amd64', arch: 'x64' },
    cpu: { model: 'AMD EPYC', cores: 2, utilPct: step, perCoreUtilPct: [step, step], load1: 0.5, load5: 0.4, load15: 0.3 },
    memory: { totalBytes: 1000, usedBytes: 500, availableBytes: 500, usedPct: 50, swapTotalBytes: 0, swapUsedBytes: 0 },
    filesystems: [
      { mount: '/', device: '/dev/vda', fsType: 'ext4', sizeBytes: 100, usedBytes: 40, availableBytes: 60, usedPct: 40, inodesTotal: 10, inodesUsed: 1 },
    ],
    network: [{ iface: 'eth0', rxBytesTotal: 10, txBytesTotal: 20, rxBytesPerSec: 100, txBytesPerSec: 200 }],
    diskIo: [{ device: 'vda', readBytesTotal: 1000, writeBytesTotal: 2000, readBytesPerSec: 10, writeBytesPerSec: 20, busyPct: 1 }],
    gpuStatus: { state: 'ok', message: '1 GPU', driverVersion: '590.48.01', cudaVersion: '13.1' },
    gpus: [gpu({ gpuUtilPct: step })],
    errors: [],
    ...overrides,
  };
}
