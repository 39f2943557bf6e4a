/**
 * The `model name` line of /proc/cpuinfo (the collection script keeps only the first one). ARM
 * kernels print no such line, so a null model is normal there.
 */
import { quote, sourceLines, Warnings } from './parse-support';

export interface CpuModel {
  model: string | null;
  warnings: string[];
}

const MODEL_LINE = /^model name\s*:\s*(.*)$/;

export function parseCpuModel(text: string): CpuModel {
  const warnings = new Warnings();
  const out: CpuModel = { model: null, warnings: warnings.list };
  const line = (sourceLines(text, 'cpuinfo', warnings) ?? []).find((l) => l.trim() !== '');
  if (line === undefined) return out;
  const match = MODEL_LINE.exec(line);
  // Collapse the runs of blanks some CPUs pad their brand string with.
  const model = match ? match[1]!.replace(/\s+/g, ' ').trim() : '';
  if (!match || model === '' || model.length > 256 || /[\x00-\x1f\x7f]/.test(model)) {
    warnings.add(`not a "model name" line: ${quote(line)}`);
    return out;
  }
  out.model = model;
  return out;
}
