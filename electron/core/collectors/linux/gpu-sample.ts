/**
 * The per-tick script's nvidia-smi section to a GPU status and the GPU model. Failures read the
 * same as on the XML path (interpretNvidiaSmi's known messages); on top of it, a driver that
 * refuses a query field is flagged so the builder can step down to an older field list.
 */
import type { Gpu, GpuStatus } from '../../../../shared/model/gpu';
import { GPU_MESSAGES, gpuStatus as status, interpretNvidiaSmi } from '../gpu';
import { parseNvidiaSmiCsv } from './nvidia-smi-csv';
import { GPU_QUERY_FIELDS, type GpuQueryProfile } from './scripts';
import { sectionText, type Section } from '../../hosts/sections';

/** The per-tick script bounds nvidia-smi with `timeout 10` (scripts.ts). */
export const NVIDIA_SMI_SCRIPT_TIMEOUT_MS = 10_000;

export interface GpuSample {
  status: GpuStatus;
  gpus: Gpu[];
  /** nvidia-smi said a field of this profile "is not a valid field to query". */
  refusedField: boolean;
  warnings: string[];
}

const REFUSED_FIELD = /is not a valid field to query/i;

/** What nvidia-smi's failure text means, by the XML path's rules. */
function failure(text: string, exitCode: number): GpuStatus {
  return interpretNvidiaSmi(
    { exitCode, stdout: text, stderr: '', notFound: false, timedOut: false, truncated: false, durationMs: 0 },
    NVIDIA_SMI_SCRIPT_TIMEOUT_MS,
  ).status;
}

const TIMEOUT_MESSAGE = GPU_MESSAGES.timeout(NVIDIA_SMI_SCRIPT_TIMEOUT_MS);

export function interpretGpuSection(section: Section | undefined, profile: GpuQueryProfile, scriptDone: boolean): GpuSample {
  const none = (s: GpuStatus, refusedField = false): GpuSample => ({ status: s, gpus: [], refusedField, warnings: [] });
  if (profile === 'none') return none(status('no-gpu', GPU_MESSAGES.notInstalled));
  if (section === undefined) {
    return none(scriptDone ? status('failed', 'nvidia-smi was not run.') : status('timeout', TIMEOUT_MESSAGE));
  }
  const text = sectionText(section);
  switch (section.status.kind) {
    case 'missing':
      return none(status('no-gpu', GPU_MESSAGES.notInstalled));
    case 'incomplete':
    case 'read-error':
      return none(status('timeout', TIMEOUT_MESSAGE));
    case 'failed': {
      const code = section.status.exitCode;
      // 124 is timeout(1)'s "killed it"; 137 is SIGKILL.
      if (code === 124 || code === 137) return none(status('timeout', TIMEOUT_MESSAGE));
      if (REFUSED_FIELD.test(text)) {
        const line =
          text
            .split('\n')
            .find((l) => REFUSED_FIELD.test(l))
            ?.trim()
            .slice(0, 200) ?? '';
        return none(status('invalid-output', `nvidia-smi refused the ${profile} field list: ${line}`), true);
      }
      return none(failure(text, code));
    }
    case 'ok': {
      const parsed = parseNvidiaSmiCsv(text, GPU_QUERY_FIELDS[profile]);
      if (parsed.gpus.length === 0) {
        const known = failure(text, 1);
        const s = known.state === 'failed' ? status('invalid-output', GPU_MESSAGES.unreadable(parsed.warnings[0] ?? 'no GPU lines')) : known;
        return { status: s, gpus: [], refusedField: false, warnings: parsed.warnings };
      }
      const n = parsed.gpus.length;
      return {
        status: status('ok', GPU_MESSAGES.count(n), parsed.driverVersion),
        gpus: parsed.gpus,
        refusedField: false,
        warnings: parsed.warnings,
      };
    }
  }
}
