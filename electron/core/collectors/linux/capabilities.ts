/**
 * What a node can give: whether it is Linux at all, which per-tick files it has and which
 * commands are installed. Read once at connect (the static script's probe) and corrected by what
 * each tick finds, so a source a node lacks (a container without /proc/diskstats, a host without
 * nvidia-smi) is reported once, not as an error every tick.
 */
import { MINIMAL_SAMPLE_TOOLS, PROBED_COMMANDS, SAMPLE_FILES, SAMPLE_SECTIONS, type DfFlags, type SampleSection, type SampleTools } from './scripts';

export interface Capabilities {
  /** `uname -s` said Linux (or was not readable: assumed, the sources will tell). */
  linux: boolean;
  /** Per-tick source -> the node has it. */
  sources: Record<SampleSection, boolean>;
  /** `timeout` is installed: df and nvidia-smi are bounded on the node itself. */
  timeout: boolean;
}

/** Nothing known yet: every source assumed present, so the first tick says what is missing. */
export function assumedCapabilities(): Capabilities {
  return {
    linux: true,
    sources: Object.fromEntries(SAMPLE_SECTIONS.map((s) => [s, true])) as Record<SampleSection, boolean>,
    timeout: true,
  };
}

/**
 * The static script's `capabilities` section (`file PATH` and `command NAME` lines) and kernel
 * name to flags. Lines that are neither are ignored: the probe prints nothing else.
 */
export function capabilitiesFromProbe(probeLines: readonly string[] | null, kernelName: string | null): Capabilities {
  const caps = assumedCapabilities();
  caps.linux = kernelName === null || kernelName === 'Linux';
  if (probeLines === null) return caps;
  const files = new Set<string>();
  const commands = new Set<string>();
  for (const line of probeLines) {
    const [kind, value, extra] = line.split(' ');
    if (extra !== undefined || value === undefined) continue;
    if (kind === 'file') files.add(value);
    else if (kind === 'command') commands.add(value);
  }
  for (const [section, path] of SAMPLE_FILES) caps.sources[section] = files.has(path);
  const has = (command: (typeof PROBED_COMMANDS)[number]) => commands.has(command);
  caps.sources['df-size'] = has('df');
  caps.sources['df-inodes'] = has('df');
  caps.sources['nvidia-smi'] = has('nvidia-smi');
  caps.timeout = has('timeout');
  // Without awk the script can print no content at all: every source is as good as missing.
  if (!has('awk')) for (const section of SAMPLE_SECTIONS) caps.sources[section] = false;
  return caps;
}

const DF_PROBE_LINES: ReadonlyMap<string, DfFlags> = new Map([
  ['df -l -T', 'local-typed'],
  ['df -T', 'typed'],
  ['df', 'plain'],
]);

/**
 * The static script's `sample-tools` section to the per-tick script variant: `timeout` when it
 * works, and the `df FLAGS` line of the richest flags df accepted. Only these exact lines count;
 * an unreadable probe picks what works anywhere.
 */
export function sampleToolsFromProbe(probeLines: readonly string[] | null): SampleTools {
  if (probeLines === null) return { ...MINIMAL_SAMPLE_TOOLS };
  let df: DfFlags = 'plain';
  for (const line of probeLines) df = DF_PROBE_LINES.get(line) ?? df;
  return { timeout: probeLines.includes('timeout'), df };
}
