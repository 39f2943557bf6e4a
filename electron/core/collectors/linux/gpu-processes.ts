/**
 * Who is on each GPU: nvidia-smi's compute apps joined to their GPU by UUID, with owner, command
 * line and start from /proc (proc-process.ts); and the same /proc facts laid over the processes
 * the XML lists. At most NODE_LIMITS.processesPerGpu per GPU, the largest users of GPU memory
 * first; processCount stays the full count. Pure.
 */
import type { Gpu, GpuProcess } from '../../../../shared/model/gpu';
import { NODE_LIMITS } from '../../../../shared/model/limits';
import { sectionText, type Section } from '../../hosts/sections';
import { parseComputeApps, type ComputeApp } from './compute-apps';
import { parseGpuProcs, processDetails, type GpuProcs } from './proc-process';

/** The heaviest first; a process without a memory figure (WDDM) after those with one. */
function byMemory(a: GpuProcess, b: GpuProcess): number {
  return (b.usedMemoryMib ?? -1) - (a.usedMemoryMib ?? -1) || a.pid - b.pid;
}

function bounded(processes: GpuProcess[]): GpuProcess[] {
  return processes.sort(byMemory).slice(0, NODE_LIMITS.processesPerGpu);
}

/** The compute apps of each GPU (matched by UUID), as processes with their /proc facts. */
export function attachComputeApps(gpus: Gpu[], apps: ComputeApp[], procs: GpuProcs | null, collectedAt: number): Gpu[] {
  return gpus.map((gpu) => {
    if (gpu.uuid === null) return gpu;
    const mine = apps.filter((app) => app.gpuUuid === gpu.uuid);
    const processes = mine.map((app): GpuProcess => ({
      pid: app.pid,
      type: 'C',
      name: app.name,
      ...(procs ? processDetails(procs, app.pid, collectedAt) : { user: null, command: null, startedAtMs: null }),
      usedMemoryMib: app.usedMemoryMib,
      gpuInstanceId: null,
      computeInstanceId: null,
    }));
    return { ...gpu, processes: bounded(processes), processCount: mine.length };
  });
}

/** The XML's processes with owner, command line and start filled in from /proc where it said. */
export function withProcFacts(gpus: Gpu[], procs: GpuProcs, collectedAt: number): Gpu[] {
  return gpus.map((gpu) => {
    if (gpu.processes === undefined) return gpu;
    const processes = gpu.processes.map((process) => {
      const details = processDetails(procs, process.pid, collectedAt);
      return {
        ...process,
        user: details.user ?? process.user,
        command: details.command ?? process.command,
        startedAtMs: details.startedAtMs ?? process.startedAtMs,
      };
    });
    return { ...gpu, processes: bounded(processes) };
  });
}

/**
 * The per-tick processes of an SSH node's GPUs from the sample's `compute-apps` and `gpu-procs`
 * sections; the GPUs unchanged (processes not reported) when nvidia-smi did not list them.
 */
export function processesFromSections(
  gpus: Gpu[],
  appsSection: Section | undefined,
  procsSection: Section | undefined,
  collectedAt: number,
): { gpus: Gpu[]; warnings: string[] } {
  if (appsSection === undefined || appsSection.status.kind !== 'ok') return { gpus, warnings: [] };
  const apps = parseComputeApps(sectionText(appsSection));
  const procs = procsSection !== undefined && procsSection.status.kind === 'ok' ? parseGpuProcs(sectionText(procsSection)) : null;
  return {
    gpus: attachComputeApps(gpus, apps.apps, procs, collectedAt),
    warnings: [...apps.warnings.map((w) => `compute-apps: ${w}`), ...(procs?.warnings ?? []).map((w) => `gpu-procs: ${w}`)],
  };
}

/**
 * What the XML adds to an SSH node's per-tick processes (read every few minutes): the MIG
 * instance of each process still running, and the GPU's MIG devices. The per-tick list, when
 * there is one, is the current one, so its count stands.
 */
export function mergeXmlProcessDetails(gpu: Gpu, xml: Gpu): Pick<Gpu, 'processCount'> & Partial<Pick<Gpu, 'processes' | 'migDevices'>> {
  const out: Pick<Gpu, 'processCount'> & Partial<Pick<Gpu, 'processes' | 'migDevices'>> = {
    processCount: gpu.processes !== undefined ? gpu.processCount : (xml.processCount ?? gpu.processCount),
  };
  const fromXml = new Map((xml.processes ?? []).map((p) => [p.pid, p]));
  if (gpu.processes !== undefined) {
    out.processes = gpu.processes.map((p) => {
      const seen = fromXml.get(p.pid);
      return seen ? { ...p, gpuInstanceId: seen.gpuInstanceId, computeInstanceId: seen.computeInstanceId } : p;
    });
  } else if (xml.processes !== undefined) {
    out.processes = xml.processes;
  }
  const migDevices = gpu.migDevices ?? xml.migDevices;
  if (migDevices !== undefined) out.migDevices = migDevices;
  return out;
}
