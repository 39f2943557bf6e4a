/** A node's GPUs in one line of the fleet table: memory, hottest, power against limit, problems. Pure. */
import type { GpuReading } from './records';

export interface GpuSummary {
  memUsedMib: number | null;
  memTotalMib: number | null;
  hottestC: number | null;
  powerW: number | null;
  /** Summed over the GPUs that report a draw and a limit both, so the two compare. */
  powerLimitW: number | null;
  /** "GPU 2: ECC 3 uncorrected", one per GPU problem. */
  flags: string[];
}

const finite = (v: number | null | undefined): v is number => typeof v === 'number' && Number.isFinite(v);

export function gpuSummary(gpus: readonly GpuReading[]): GpuSummary {
  let memUsed: number | null = null;
  let memTotal: number | null = null;
  let hottest: number | null = null;
  let power: number | null = null;
  let powerLimit: number | null = null;
  let drawsWithLimit = 0;
  let draws = 0;
  const flags: string[] = [];
  gpus.forEach((gpu, i) => {
    if (finite(gpu.memUsedMib)) memUsed = (memUsed ?? 0) + gpu.memUsedMib;
    if (finite(gpu.memTotalMib)) memTotal = (memTotal ?? 0) + gpu.memTotalMib;
    if (finite(gpu.tempC) && (hottest === null || gpu.tempC > hottest)) hottest = gpu.tempC;
    if (finite(gpu.powerW)) {
      power = (power ?? 0) + gpu.powerW;
      draws += 1;
      if (finite(gpu.powerLimitW)) {
        powerLimit = (powerLimit ?? 0) + gpu.powerLimitW;
        drawsWithLimit += 1;
      }
    }
    for (const flag of gpu.flags ?? []) flags.push(`GPU ${gpu.index ?? i}: ${flag}`);
  });
  // A limit over only some of the GPUs would not compare with the draw of all.
  return { memUsedMib: memUsed, memTotalMib: memTotal, hottestC: hottest, powerW: power, powerLimitW: drawsWithLimit === draws ? powerLimit : null, flags };
}
