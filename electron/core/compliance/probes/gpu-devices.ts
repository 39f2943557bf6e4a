/** The `gpu-devices` probe: the /dev/nvidia* device files (nvidia0..N, nvidiactl, nvidia-uvm, nvidia-nvswitchN...) and their modes. */
import type { Probe } from '../types';
import type { DeviceFile, GpuDevicesFact } from './facts';
import { listDir } from './file-access';
import { asStat, type ProbeProgram } from './program';
import { Warnings } from '../../collectors/linux/parse-support';

type GpuDevicesProbe = Extract<Probe, { kind: 'gpu-devices' }>;

const MAX_DEVICES = 128;
const DEVICE_NAME = /^nvidia[A-Za-z0-9_-]*$/;

export function unknownGpuDevices(_probe: GpuDevicesProbe, problem: string): GpuDevicesFact {
  return { kind: 'gpu-devices', devices: [], worldWritable: [], nvswitchDevices: 0, problem, warnings: [] };
}

/** The device names of a /dev listing. Pure. */
export function nvidiaDeviceNames(names: readonly string[]): string[] {
  return names.filter((n) => DEVICE_NAME.test(n)).slice(0, MAX_DEVICES);
}

/** Stat results of /dev/nvidia* as the fact (folders such as nvidia-caps are left out). Pure. */
export function gpuDevicesFact(paths: readonly string[], stats: readonly unknown[]): GpuDevicesFact {
  const warnings = new Warnings();
  const devices: DeviceFile[] = [];
  paths.forEach((path, i) => {
    const stat = asStat(stats[i]);
    if (stat.kind !== 'ok') {
      if (stat.kind !== 'missing') warnings.add(`${path}: ${stat.kind}`);
      return;
    }
    if (stat.type === 'dir') return;
    devices.push({ path, mode: stat.mode, owner: stat.owner, group: stat.group, worldWritable: (stat.mode & 0o002) !== 0 });
  });
  return {
    kind: 'gpu-devices',
    devices,
    worldWritable: devices.filter((d) => d.worldWritable).map((d) => d.path),
    nvswitchDevices: devices.filter((d) => /^\/dev\/nvidia-nvswitch\d+$/.test(d.path)).length,
    problem: null,
    warnings: warnings.list,
  };
}

export function* gpuDevicesProgram(probe: GpuDevicesProbe): ProbeProgram<GpuDevicesFact> {
  const listing = yield* listDir('/dev');
  if (listing.kind !== 'ok') return unknownGpuDevices(probe, listing.kind === 'missing' ? '/dev does not exist' : listing.problem);
  const paths = nvidiaDeviceNames(listing.names).map((n) => `/dev/${n}`);
  const stats = paths.length === 0 ? [] : yield paths.map((path) => ({ kind: 'stat' as const, path }));
  return gpuDevicesFact(paths, stats);
}
