/** Stub: being written. */
import type { Probe } from '../types';
import type { GpuDevicesFact } from './facts';
import { oneRound, type ProbeProgram } from './program';

type P = Extract<Probe, { kind: 'gpu-devices' }>;

export function unknownGpuDevices(probe: P, problem: string): GpuDevicesFact {
  return { kind: 'gpu-devices', problem, warnings: [] } as unknown as GpuDevicesFact;
}

export function gpuDevicesProgram(probe: P): ProbeProgram<GpuDevicesFact> {
  return oneRound([], () => unknownGpuDevices(probe, 'not yet implemented'));
}
