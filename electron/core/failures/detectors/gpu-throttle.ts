/**
 * gpu-throttle: a clock event reason that means trouble (hardware slowdown, hardware or software
 * thermal slowdown, power brake) is active. One condition per GPU and reason; the rule's `for`
 * decides how long it must last. Idle, application clocks, the power cap and sync boost are normal
 * operation and are not reported.
 */
import type { Signal } from '../../alerts/types';
import type { NodeSnapshot } from '../../../../shared/model/node';
import { gpuDeviceKey } from '../../../../shared/model/metrics';
import { gpuLabels, gpuTitle, gpusSeen, type DetectorResult } from './gpu-listing';

/** Reason names as both collectors write them (XML element suffixes; CSV mask bits decoded to the same). */
export const THROTTLE_REASONS: Readonly<Record<string, string>> = {
  hw_slowdown: 'HW slowdown: the hardware cut the clocks by half or more (overheating, power brake or a power supply limit)',
  hw_thermal_slowdown: 'HW thermal slowdown: the GPU or its memory is too hot and the hardware cut the clocks',
  sw_thermal_slowdown: 'SW thermal slowdown: the driver lowered the clocks to keep the GPU under its temperature limit',
  hw_power_brake_slowdown: 'HW power brake: an external power brake signal (the system power supply) cut the clocks',
};

/** hw_slowdown is also set when one of these is: the specific reason says more, so only it is reported. */
const SPECIFIC_HW_REASONS = ['hw_thermal_slowdown', 'hw_power_brake_slowdown'];

export function detectGpuThrottle(nodeId: string, atMs: number, snapshot: NodeSnapshot | null): DetectorResult {
  if (!gpusSeen(snapshot)) return { signals: [], evaluated: [] };
  const signals: Signal[] = [];
  for (const gpu of snapshot.gpus) {
    // Most GPUs, most ticks: no reason here is one we report (idle, the power cap), nothing to build.
    if (!(gpu.clockEventReasonsActive ?? []).some((reason) => Object.hasOwn(THROTTLE_REASONS, reason))) continue;
    const active = new Set(gpu.clockEventReasonsActive ?? []);
    if (SPECIFIC_HW_REASONS.some((reason) => active.has(reason))) active.delete('hw_slowdown');
    const key = gpuDeviceKey(gpu);
    for (const reason of Object.keys(THROTTLE_REASONS)) {
      if (!active.has(reason)) continue;
      signals.push({
        detector: 'gpu-throttle',
        nodeId,
        subject: `${key}:${reason}`,
        gpu: key,
        atMs,
        value: gpu.temperatureC,
        text: `${gpuTitle(gpu)}: ${THROTTLE_REASONS[reason]}.`,
        severity: null,
        labels: { ...gpuLabels(gpu), reason },
      });
    }
  }
  return { signals, evaluated: ['gpu-throttle'] };
}
