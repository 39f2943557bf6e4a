/**
 * /proc/sys/kernel/random/boot_id: a random UUID drawn at each boot. Counters are only compared
 * within one boot; a new id means every counter started again from zero.
 */
import { quote, sourceLines, Warnings } from './parse-support';

export interface BootId {
  bootId: string | null;
  warnings: string[];
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function parseBootId(text: string): BootId {
  const warnings = new Warnings();
  const out: BootId = { bootId: null, warnings: warnings.list };
  const line = (sourceLines(text, 'boot_id', warnings) ?? []).map((l) => l.trim()).find((l) => l !== '') ?? '';
  if (!UUID.test(line)) {
    warnings.add(`not a boot id: ${quote(line)}`);
    return out;
  }
  out.bootId = line;
  return out;
}
