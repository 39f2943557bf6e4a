/** What the node page's GPU processes section shows (GpuProcesses.tsx), as plain data. */
import type { Gpu, GpuProcess } from '../../../shared/model/gpu';

export interface ProcessRow {
  gpu: Gpu;
  process: GpuProcess;
}

export interface ProcessTable {
  /** hidden: no GPUs; not-reported: no GPU lists processes; empty: they list none. */
  state: 'hidden' | 'not-reported' | 'empty' | 'rows';
  /** Every listed process of every GPU, the largest users of GPU memory first. */
  rows: ProcessRow[];
  /** Processes on the GPUs that list them (the full counts, not only those listed). */
  total: number;
  /** GPUs with more processes than listed: "GPU 0: 128 of 300 processes listed." */
  cut: string[];
  /** GPUs that do not list processes while others do. */
  notReporting: number[];
}

export function processTable(gpus: Gpu[]): ProcessTable {
  const reporting = gpus.filter((g) => g.processes !== undefined);
  const rows = reporting
    .flatMap((gpu) => (gpu.processes ?? []).map((process) => ({ gpu, process })))
    .sort((a, b) => (b.process.usedMemoryMib ?? -1) - (a.process.usedMemoryMib ?? -1) || a.gpu.index - b.gpu.index || a.process.pid - b.process.pid);
  const state = gpus.length === 0 ? 'hidden' : reporting.length === 0 ? 'not-reported' : rows.length === 0 ? 'empty' : 'rows';
  return {
    state,
    rows,
    total: reporting.reduce((n, g) => n + Math.max(g.processCount ?? 0, g.processes?.length ?? 0), 0),
    cut: reporting
      .filter((g) => g.processCount !== null && g.processCount > (g.processes?.length ?? 0))
      .map((g) => `GPU ${g.index}: ${g.processes?.length ?? 0} of ${g.processCount} processes listed.`),
    notReporting: reporting.length === 0 ? [] : gpus.filter((g) => g.processes === undefined).map((g) => g.index),
  };
}

/** "GPU 1", or "GPU 1 · MIG 3/0" for a process in a MIG instance. */
export function processGpuLabel(gpu: Gpu, process: GpuProcess): string {
  if (process.gpuInstanceId === null) return `GPU ${gpu.index}`;
  return `GPU ${gpu.index} · MIG ${process.gpuInstanceId}${process.computeInstanceId !== null ? `/${process.computeInstanceId}` : ''}`;
}

/** "45 s", "12 min", "3 h 05 min", "2 d 4 h": how long a process has run. */
export function formatRunning(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s} s`;
  const min = Math.floor(s / 60);
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 24) return `${h} h ${String(min % 60).padStart(2, '0')} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}
