/**
 * `nproc --all`: the number of processors the kernel was configured with. Only a fallback for
 * the core count, which comes from the cpuN lines of /proc/stat (online CPUs) when present:
 * plain `nproc` follows the session's CPU affinity and OMP_NUM_THREADS, which on a cluster node
 * (pam_slurm_adopt) is a job's share, not the node.
 */
import { parseCounter, quote, sourceLines, Warnings } from './parse-support';

export interface Nproc {
  processors: number | null;
  warnings: string[];
}

/** Linux's NR_CPUS tops out at 8192; anything far above is not a count. */
const MAX_PROCESSORS = 65_536;

export function parseNproc(text: string): Nproc {
  const warnings = new Warnings();
  const out: Nproc = { processors: null, warnings: warnings.list };
  const lines = (sourceLines(text, 'nproc', warnings) ?? []).map((l) => l.trim()).filter((l) => l !== '');
  const value = parseCounter(lines[0]);
  if (lines.length !== 1 || value === null || value < 1 || value > MAX_PROCESSORS) {
    warnings.add(`not a processor count: ${quote(lines.join(' '))}`);
    return out;
  }
  out.processors = value;
  return out;
}
