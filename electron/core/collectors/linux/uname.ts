/**
 * One line of `uname -s`, `uname -r` or `uname -m`: kernel name, release and machine. The machine
 * name is mapped to Node's process.arch spelling so a remote node reads like the local one.
 */
import { quote, sourceLines, Warnings } from './parse-support';

export interface UnameField {
  value: string | null;
  warnings: string[];
}

const PLAUSIBLE = /^[\x21-\x7e]{1,128}$/;

export function parseUnameField(text: string, what: string): UnameField {
  const warnings = new Warnings();
  const out: UnameField = { value: null, warnings: warnings.list };
  const lines = (sourceLines(text, what, warnings) ?? []).map((l) => l.trim()).filter((l) => l !== '');
  if (lines.length !== 1 || !PLAUSIBLE.test(lines[0]!)) {
    warnings.add(`${what}: not one word: ${quote(lines.join(' '))}`);
    return out;
  }
  out.value = lines[0]!;
  return out;
}

const NODE_ARCH: ReadonlyMap<string, string> = new Map([
  ['x86_64', 'x64'],
  ['amd64', 'x64'],
  ['i386', 'ia32'],
  ['i486', 'ia32'],
  ['i586', 'ia32'],
  ['i686', 'ia32'],
  ['aarch64', 'arm64'],
  ['arm64', 'arm64'],
  ['armv6l', 'arm'],
  ['armv7l', 'arm'],
  ['armv8l', 'arm'],
  ['ppc64le', 'ppc64'],
  ['ppc64', 'ppc64'],
  ['s390x', 's390x'],
  ['riscv64', 'riscv64'],
  ['loongarch64', 'loong64'],
  ['mips64', 'mips64el'],
]);

/** `uname -m` to process.arch's names (x86_64 -> x64); unknown machines pass through. */
export function toNodeArch(machine: string): string {
  return NODE_ARCH.get(machine) ?? machine;
}

/** `uname -s` to process.platform's names (Linux -> linux). */
export function toNodePlatform(kernelName: string): string {
  const lower = kernelName.toLowerCase();
  return lower === 'sunos' ? 'sunos' : lower;
}
