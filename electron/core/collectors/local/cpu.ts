import { loadavg } from 'node:os';
import si from 'systeminformation';
import type { CpuStats } from '../../../../shared/model/node';
import { round2 } from '../linux/parse-support';

const finiteOrNull = (n: number | undefined) => (n === undefined || !Number.isFinite(n) ? null : round2(n));

/** Pure: systeminformation's cpu() and currentLoad() plus os.loadavg() to the model. */
export function toCpuStats(
  cpu: Pick<si.Systeminformation.CpuData, 'manufacturer' | 'brand' | 'cores'>,
  load: Pick<si.Systeminformation.CurrentLoadData, 'currentLoad' | 'cpus'>,
  loadAverages: number[],
): CpuStats {
  const model = [cpu.manufacturer, cpu.brand].filter(Boolean).join(' ').trim();
  return {
    model: model || null,
    cores: cpu.cores,
    utilPct: finiteOrNull(load.currentLoad),
    perCoreUtilPct: load.cpus.map((c) => finiteOrNull(c.load)),
    load1: finiteOrNull(loadAverages[0]),
    load5: finiteOrNull(loadAverages[1]),
    load15: finiteOrNull(loadAverages[2]),
  };
}

/** CPU model is static: read once per process, then only the load each tick. */
let cpuInfo: Promise<si.Systeminformation.CpuData> | null = null;

export async function collectCpu(): Promise<CpuStats> {
  cpuInfo ??= si.cpu().catch((error: unknown) => {
    cpuInfo = null;
    throw error;
  });
  const [info, load] = await Promise.all([cpuInfo, si.currentLoad()]);
  return toCpuStats(info, load, loadavg());
}
