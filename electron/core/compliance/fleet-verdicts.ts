/**
 * Fleet leaves: a value of this node's GPUs compared across every audited node (the driver and
 * CUDA versions the fleet mostly runs, one VBIOS and InfoROM per GPU model) or with the
 * inventory's GPU count.
 */
import type { EvalContext } from './evaluate';
import type { RuleLeaf } from './types';
import type { GpuFact } from './probes/facts';
import { combine, error, fail, notApplicable, pass, unknown, type Verdict } from './verdict';

const FLEET_FIELD: Record<string, string> = { driverVersion: 'driver', cudaVersion: 'CUDA version', vbiosPerModel: 'VBIOS', inforomPerModel: 'InfoROM' };

/** The majority value of a count, or null on a tie for the most. */
function majority(counts: Map<string, number>): string | null {
  const sorted = [...counts].sort((a, b) => b[1] - a[1]);
  if (sorted.length > 1 && sorted[0]![1] === sorted[1]![1]) return null;
  return sorted[0]?.[0] ?? null;
}

function describeCounts(counts: Map<string, number>): string {
  return [...counts].map(([value, n]) => `${value} ×${n}`).join(', ');
}

/** A fleet leaf: this node's GPUs against every audited node's (FleetContext). */
export function evaluateFleet(same: Extract<RuleLeaf, { fleet: unknown }>['fleet']['same'], ctx: EvalContext): Verdict {
  const mine = ctx.fleet.gpus.get(ctx.nodeId) ?? null;
  if (mine === null) return error('nvidia-smi was not read on this node');
  if (mine.present === false || (mine.present && mine.gpus.length === 0 && same !== 'gpuCountVsInventory')) return notApplicable('no NVIDIA GPU on this node');
  if (mine.present === null) return unknown(mine, 'nvidia-smi');
  if (same === 'gpuCountVsInventory') {
    const expected = ctx.fleet.inventoryGpuCount?.(ctx.nodeId) ?? null;
    if (expected === null) return error('the inventory has no GPU count for this node');
    return mine.gpus.length === expected ? pass(`${expected} GPUs, as the inventory`) : fail(`${mine.gpus.length} GPUs; the inventory has ${expected}`);
  }
  if (same === 'driverVersion' || same === 'cudaVersion') {
    const counts = new Map<string, number>();
    for (const fact of ctx.fleet.gpus.values()) {
      const value = fact?.[same];
      if (fact?.present && fact.gpus.length && value) counts.set(value, (counts.get(value) ?? 0) + 1);
    }
    const value = mine[same];
    if (!value) return error(`this node's ${FLEET_FIELD[same]} is not reported`);
    if (counts.size <= 1) return pass(`${FLEET_FIELD[same]} ${value} on every node (${counts.get(value) ?? 1})`);
    const usual = majority(counts);
    const text = `${FLEET_FIELD[same]} ${value}; the fleet has ${describeCounts(counts)}`;
    return usual === value ? pass(text) : fail(text);
  }
  // Per GPU model across the fleet: every GPU of a model should carry one VBIOS / InfoROM.
  const read = (gpu: GpuFact) => (same === 'vbiosPerModel' ? gpu.vbiosVersion : gpu.inforomImage);
  const byModel = new Map<string, Map<string, number>>();
  for (const fact of ctx.fleet.gpus.values()) {
    for (const gpu of fact?.present ? fact.gpus : []) {
      const value = read(gpu);
      if (!value) continue;
      const model = gpu.productName ?? 'unknown model';
      const counts = byModel.get(model) ?? new Map<string, number>();
      counts.set(value, (counts.get(value) ?? 0) + 1);
      byModel.set(model, counts);
    }
  }
  const verdicts = mine.gpus.map((gpu) => {
    const value = read(gpu);
    if (!value) return error(`GPU ${gpu.index} ${FLEET_FIELD[same]}: not reported`);
    const counts = byModel.get(gpu.productName ?? 'unknown model')!;
    if (counts.size <= 1) return pass(`${FLEET_FIELD[same]} ${value} on every ${gpu.productName ?? 'GPU'}`);
    const text = `GPU ${gpu.index} (${gpu.productName ?? 'unknown model'}) ${FLEET_FIELD[same]} ${value}; the fleet has ${describeCounts(counts)}`;
    return majority(counts) === value ? pass(text) : fail(text);
  });
  return combine('all', verdicts);
}
