/**
 * `nvidia-smi --query-compute-apps=...` CSV (with its header, as COMPUTE_APPS_QUERY asks) to one
 * row per process and GPU. Columns are read by the header's names, so the field order does not
 * matter. A process name may itself hold ", " (a Chromium command line does): the surplus cells
 * of a row belong to process_name, the only free-text column. Never throws.
 */
import { clip, NODE_LIMITS } from '../../../../shared/model/limits';
import { quote, sourceLines, Warnings } from './parse-support';

export interface ComputeApp {
  gpuUuid: string | null;
  pid: number;
  name: string | null;
  usedMemoryMib: number | null;
}

export interface ComputeApps {
  apps: ComputeApp[];
  warnings: string[];
}

/** Rows read at most: 64 GPUs of 128 processes, far above any real node. */
export const MAX_COMPUTE_APPS = 8192;

const NULL_TOKEN = /^\[?(n\/a|not supported|insufficient permissions|unknown error)\]?$/i;
const HEADER_CELL = /^([a-z][a-z0-9_.]{0,60})(?: \[([^\]]{1,16})\])?$/;
const PID = /^\d{1,10}$/;
const MEMORY = /^(\d{1,12})(?: MiB)?$/;

const cell = (raw: string | undefined): string | null => {
  const value = raw?.trim() ?? '';
  return value === '' || NULL_TOKEN.test(value) ? null : value;
};

export function parseComputeApps(text: string): ComputeApps {
  const warnings = new Warnings();
  const out: ComputeApps = { apps: [], warnings: warnings.list };
  const lines = (sourceLines(text, 'compute apps', warnings) ?? []).filter((l) => l.trim() !== '');
  if (lines.length === 0) return out;
  const header = lines[0]!.split(', ').map((c) => HEADER_CELL.exec(c.trim())?.[1] ?? null);
  const column = (name: string) => header.indexOf(name);
  const [uuidAt, pidAt, nameAt, memoryAt] = [column('gpu_uuid'), column('pid'), column('process_name'), column('used_gpu_memory')];
  if (pidAt < 0) {
    warnings.add(`no pid column in the header: ${quote(lines[0]!)}`);
    return out;
  }
  for (let n = 1; n < lines.length; n += 1) {
    if (out.apps.length >= MAX_COMPUTE_APPS) {
      warnings.add(`more than ${MAX_COMPUTE_APPS} compute apps; the rest ignored`);
      break;
    }
    let cells = lines[n]!.split(', ');
    const surplus = cells.length - header.length;
    if (surplus > 0 && nameAt >= 0) {
      cells = [...cells.slice(0, nameAt), cells.slice(nameAt, nameAt + surplus + 1).join(', '), ...cells.slice(nameAt + surplus + 1)];
    }
    if (cells.length !== header.length) {
      warnings.add(`line ${n + 1}: ${cells.length} values for ${header.length} columns; skipped`);
      continue;
    }
    const pid = cell(cells[pidAt]);
    if (pid === null || !PID.test(pid)) {
      warnings.add(`line ${n + 1}: not a PID: ${quote(cells[pidAt] ?? '')}; skipped`);
      continue;
    }
    const memory = memoryAt < 0 ? null : cell(cells[memoryAt]);
    const memoryMatch = memory === null ? null : MEMORY.exec(memory);
    if (memory !== null && memoryMatch === null) warnings.add(`line ${n + 1}: not a memory size: ${quote(memory)}`);
    const uuid = uuidAt < 0 ? null : cell(cells[uuidAt]);
    const name = nameAt < 0 ? null : cell(cells[nameAt]);
    out.apps.push({
      gpuUuid: uuid === null ? null : clip(uuid),
      pid: Number(pid),
      name: name === null ? null : clip(name, NODE_LIMITS.text),
      usedMemoryMib: memoryMatch ? Number(memoryMatch[1]) : null,
    });
  }
  return out;
}
