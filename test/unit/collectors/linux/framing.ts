import { GPU_QUERY_FIELDS } from '../../../../electron/core/collectors/linux/scripts';
import { readFixture } from '../../../helpers/fixtures';

/**
 * Builds output framed as the collection scripts frame it (sections.ts), for tests that feed the
 * splitter and the builder without a shell.
 */
export type FramedStatus = 'ok' | 'missing' | 'error' | number;

export function framed(sections: ReadonlyArray<readonly [name: string, text: string, status?: FramedStatus]>, done = true): string {
  const out: string[] = [];
  for (const [name, text, status = 'ok'] of sections) {
    out.push(`@@clusterdeck:begin:${name}@@`);
    const lines = text.split('\n');
    if (lines.at(-1) === '') lines.pop();
    for (const line of lines) out.push(`|${line}`);
    out.push(`@@clusterdeck:end:${name}:${status}@@`);
  }
  if (done) out.push('@@clusterdeck:done@@');
  return `${out.join('\n')}\n`;
}

export const ALL_FILES = [
  '/proc/sys/kernel/random/boot_id',
  '/proc/uptime',
  '/proc/stat',
  '/proc/loadavg',
  '/proc/meminfo',
  '/proc/net/dev',
  '/proc/diskstats',
];

/** The connect-time script's output for a Linux GPU node (driver 535), with sections replaced or removed (null). */
export function staticOutput(overrides: Record<string, [string, FramedStatus?] | null> = {}): string {
  const base: Record<string, [string, FramedStatus?]> = {
    'os-release': [readFixture('linux', 'os-release.ubuntu-22.04.gpud.txt')],
    'os-release-usr-lib': [readFixture('linux', 'os-release.ubuntu-22.04.gpud.txt')],
    'cpu-model': ['model name\t: Intel(R) Xeon(R) Platinum 8480+\n'],
    hostname: ['gpu-node-01\n', 0],
    'kernel-name': ['Linux\n', 0],
    'kernel-release': ['5.15.0-1047-nvidia\n', 0],
    machine: ['x86_64\n', 0],
    nproc: ['224\n', 0],
    capabilities: [`${ALL_FILES.map((f) => `file ${f}`).join('\n')}\ncommand awk\ncommand df\ncommand nvidia-smi\ncommand timeout\n`, 0],
    'nvidia-smi-driver': ['535.54.03\n535.54.03\n', 0],
  };
  const sections = Object.entries({ ...base, ...overrides }).flatMap(([name, value]) => (value === null ? [] : [[name, value[0], value[1] ?? 'ok'] as const]));
  return framed(sections);
}

/** The current profile's line for a capture, as the collector's noheader,nounits query prints it. */
export function currentLine(file: string): string {
  const [header, row] = readFixture('nvidia-smi/csv', file).split('\n');
  const names = header!.split(', ').map((h) => h.replace(/ \[.*\]$/, ''));
  const values = new Map(names.map((n, i) => [n, row!.split(', ')[i]!]));
  return GPU_QUERY_FIELDS.current.map((f) => values.get(f)!.replace(/ (W|MiB|MHz|%)$/, '')).join(', ');
}
