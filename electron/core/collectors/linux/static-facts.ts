/**
 * The connect-time script's output (STATIC_SCRIPT) to the facts a node keeps until it reboots:
 * OS, host name, CPU model and count, what it can be asked per tick, and which nvidia-smi field
 * list its driver accepts. Never throws; what could not be read is null, with a warning.
 */
import type { OsInfo } from '../../../../shared/model/node';
import { capabilitiesFromProbe, sampleToolsFromProbe, type Capabilities } from './capabilities';
import { parseCpuModel } from './cpu-model';
import { parseHostname } from './hostname';
import { parseNproc } from './nproc';
import { parseOsRelease } from './os-release';
import { gpuQueryProfile, STATIC_SECTIONS, type GpuQueryProfile, type SampleTools } from './scripts';
import { sectionText, splitSections, type Section } from '../../hosts/sections';
import { parseUnameField, toNodeArch, toNodePlatform } from './uname';

export interface StaticFacts {
  hostname: string | null;
  os: OsInfo;
  prettyName: string | null;
  cpuModel: string | null;
  /** `nproc --all`; the per-tick core count prefers /proc/stat. */
  processors: number | null;
  capabilities: Capabilities;
  /** What df and timeout accept: picks the per-tick script variant (probed once per connection). */
  sampleTools: SampleTools;
  gpuDriverVersion: string | null;
  gpuProfile: GpuQueryProfile;
  /** Width of the kernel's network and disk counters (see CounterRates). */
  counterBits: 32 | 64;
  warnings: string[];
}

// 32-bit machines, whose kernels keep per-device counters in a 32-bit unsigned long.
const MACHINE_32_BIT = /^(i[3-6]86|armv[4-8]l?|arm|mips|mipsel|ppc|s390|sh4|sparc)$/;

/** Kernels before 2.6.36 had 32-bit net counters on every machine. */
function kernelBefore2636(release: string | null): boolean {
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(release ?? '');
  if (!m) return false;
  const [major, minor, patch] = [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)];
  return major < 2 || (major === 2 && (minor < 6 || (minor === 6 && patch < 36)));
}

export function parseStaticFacts(stdout: string): StaticFacts {
  const split = splitSections(stdout, STATIC_SECTIONS);
  const warnings = [...split.warnings];
  if (!split.done) warnings.push('static facts: output ended before the script did');
  const usable = (name: string): Section | null => {
    const section = split.sections.get(name);
    return section && section.status.kind === 'ok' ? section : null;
  };
  const read = <T extends { warnings: string[] }>(name: string, parse: (text: string) => T): T | null => {
    const section = usable(name);
    if (section === null) return null;
    const result = parse(sectionText(section));
    warnings.push(...result.warnings.map((w) => `${name}: ${w}`));
    return result;
  };

  const osRelease = read('os-release', parseOsRelease) ?? read('os-release-usr-lib', parseOsRelease);
  const kernelName = read('kernel-name', (t) => parseUnameField(t, 'uname -s'))?.value ?? null;
  const kernelRelease = read('kernel-release', (t) => parseUnameField(t, 'uname -r'))?.value ?? null;
  const machine = read('machine', (t) => parseUnameField(t, 'uname -m'))?.value ?? null;
  const probe = usable('capabilities');
  const capabilities = capabilitiesFromProbe(probe ? probe.lines : null, kernelName);
  // Missing only where the script was cut short, which is warned about above.
  const toolsProbe = usable('sample-tools');
  const sampleTools = sampleToolsFromProbe(toolsProbe ? toolsProbe.lines : null);

  // One driver_version line per GPU; they are all the same driver.
  const driverSection = usable('nvidia-smi-driver');
  const driverLine = driverSection?.lines.map((l) => l.trim()).find((l) => /^\d{2,4}\.\d{1,4}(?:\.\d{1,4})?$/.test(l)) ?? null;
  const hasNvidiaSmi = capabilities.sources['nvidia-smi'];
  return {
    hostname: read('hostname', parseHostname)?.hostname ?? null,
    os: {
      platform: kernelName === null ? 'linux' : toNodePlatform(kernelName),
      distro: osRelease?.name ?? null,
      release: osRelease?.versionId ?? null,
      kernel: kernelRelease,
      arch: machine === null ? null : toNodeArch(machine),
    },
    prettyName: osRelease?.prettyName ?? null,
    cpuModel: read('cpu-model', parseCpuModel)?.model ?? null,
    processors: read('nproc', parseNproc)?.processors ?? null,
    capabilities,
    sampleTools,
    gpuDriverVersion: driverLine,
    gpuProfile: gpuQueryProfile(driverLine, hasNvidiaSmi),
    counterBits: (machine !== null && MACHINE_32_BIT.test(machine)) || kernelBefore2636(kernelRelease) ? 32 : 64,
    warnings,
  };
}
