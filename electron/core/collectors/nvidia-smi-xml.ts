/**
 * `nvidia-smi -q -x` text to the GPU model. The one path for every such text, local or remote.
 * Rules follow ../shared/fixtures/nvsmi_expected.py (the reference the tests compare with):
 * null tokens become null, numbers are the leading number of "45 %"-style values, power and
 * ECC fall back through the layouts of driver generations v9 to v13.
 */
import type { Gpu, GpuProcess, MigDevice } from '../../../shared/model/gpu';
import { clip, NODE_LIMITS } from '../../../shared/model/limits';
import { attribute, childElements, childrenNamed, find, ownText, parseXml, XmlParseError, type XmlLimits, type XmlNode } from '../xml/safe-xml';

/**
 * What one document may be. 8 real GPUs print about 380 KB in about 6,000 elements, nested 6
 * deep; these bounds leave room for larger machines and many processes, and keep what a hostile
 * node can make the parser do to tens of milliseconds.
 */
export const NVIDIA_SMI_XML_LIMITS: XmlLimits = { maxChars: 1024 * 1024, maxDepth: 24, maxElements: 40_000 };

const NULL_TOKENS = new Set([
  '',
  'n/a',
  '[n/a]',
  'na',
  'not supported',
  '[not supported]',
  'not found',
  'unknown error',
  '[unknown error]',
  'insufficient permissions',
  '[insufficient permissions]',
  'requested functionality has been deprecated',
  '[requested functionality has been deprecated]',
  'gpu requires reset',
  '[gpu requires reset]',
  'none',
]);

const NUMBER_WITH_UNIT = /^\s*([-+]?\d+(?:\.\d+)?)\s*(.*?)\s*$/;

/** A whole `nvidia-smi -q -x` document. */
export interface NvidiaSmiReport {
  timestamp: string | null;
  driverVersion: string | null;
  kmdVersion: string | null;
  cudaVersion: string | null;
  attachedGpus: number | null;
  dtdVersion: number | null;
  gpus: Gpu[];
  /** Values that did not read as expected (a unit that differs, text where a number belongs). */
  warnings: string[];
}

class Reader {
  readonly warnings: string[] = [];

  text(node: XmlNode | undefined, path?: string): string | null {
    const target = path === undefined ? node : find(node, path);
    if (target === undefined) return null;
    const value = ownText(target).trim();
    return NULL_TOKENS.has(value.toLowerCase()) ? null : value;
  }

  /** "300.00 W" -> 300; a different unit than expected gives null and a warning, not a wrong value. */
  number(node: XmlNode | undefined, path: string, unit = ''): number | null {
    const raw = this.text(node, path);
    if (raw === null) return null;
    const match = NUMBER_WITH_UNIT.exec(raw);
    if (!match) {
      this.warnings.push(`${path}: not a number: ${JSON.stringify(raw.slice(0, 40))}`);
      return null;
    }
    if (match[2] !== unit) {
      this.warnings.push(`${path}: unit ${JSON.stringify(match[2]!.slice(0, 20))}, expected ${JSON.stringify(unit)}`);
      return null;
    }
    return Number(match[1]);
  }

  firstNumber(node: XmlNode, paths: string[], unit: string): number | null {
    for (const path of paths) {
      const value = this.number(node, path, unit);
      if (value !== null) return value;
    }
    return null;
  }
}

function sumPresent(values: Array<number | null>): number | null {
  const present = values.filter((v): v is number => v !== null);
  return present.length === 0 ? null : present.reduce((a, b) => a + b, 0);
}

function eccSide(r: Reader, side: XmlNode | undefined): { corrected: number | null; uncorrected: number | null } | null {
  if (side === undefined) return null;
  let corrected: number | null;
  let uncorrected: number | null;
  if (find(side, 'single_bit') !== undefined || find(side, 'double_bit') !== undefined) {
    corrected = r.number(side, 'single_bit/total');
    uncorrected = r.number(side, 'double_bit/total');
  } else {
    corrected = sumPresent([r.number(side, 'sram_correctable'), r.number(side, 'dram_correctable')]);
    uncorrected = sumPresent(
      ['sram_uncorrectable', 'sram_uncorrectable_parity', 'sram_uncorrectable_secded', 'dram_uncorrectable'].map((p) => r.number(side, p)),
    );
  }
  return corrected === null && uncorrected === null ? null : { corrected, uncorrected };
}

function eccErrors(r: Reader, gpu: XmlNode): Gpu['eccErrors'] {
  const ecc = find(gpu, 'ecc_errors');
  if (ecc === undefined) return null;
  return { volatile: eccSide(r, find(ecc, 'volatile')), aggregate: eccSide(r, find(ecc, 'aggregate')) };
}

function retiredPages(r: Reader, gpu: XmlNode): Gpu['retiredPages'] {
  const rp = find(gpu, 'retired_pages');
  if (rp === undefined || childElements(rp).length === 0) return null;
  const singleBit = r.number(rp, 'multiple_single_bit_retirement/retired_count');
  const doubleBit = r.number(rp, 'double_bit_retirement/retired_count');
  const pending = r.text(rp, 'pending_retirement');
  return singleBit === null && doubleBit === null && pending === null ? null : { singleBit, doubleBit, pending };
}

function remappedRows(r: Reader, gpu: XmlNode): Gpu['remappedRows'] {
  const rr = find(gpu, 'remapped_rows');
  if (rr === undefined || childElements(rr).length === 0) return null;
  const out = {
    correctable: r.number(rr, 'remapped_row_corr'),
    uncorrectable: r.number(rr, 'remapped_row_unc'),
    pending: r.text(rr, 'remapped_row_pending'),
    failure: r.text(rr, 'remapped_row_failure'),
  };
  return Object.values(out).every((v) => v === null) ? null : out;
}

const REASON_PREFIXES = ['clocks_event_reason_', 'clocks_throttle_reason_'];

function clockEventReasonsActive(gpu: XmlNode): string[] | null {
  const node = find(gpu, 'clocks_event_reasons') ?? find(gpu, 'clocks_throttle_reasons');
  if (node === undefined) return null;
  const active: string[] = [];
  for (const [tag, child] of childElements(node)) {
    if (ownText(child).trim() !== 'Active') continue;
    let name = tag;
    for (const prefix of REASON_PREFIXES) if (name.startsWith(prefix)) name = name.slice(prefix.length);
    active.push(name);
  }
  return active;
}

function processCount(gpu: XmlNode): number | null {
  const procs = find(gpu, 'processes');
  if (procs === undefined) return null;
  const infos = childrenNamed(procs, 'process_info');
  if (infos.length > 0) return infos.length;
  const inner = ownText(procs).trim().toLowerCase();
  if (inner && NULL_TOKENS.has(inner) && inner !== 'none') return null;
  return 0;
}

/** A whole number of an element ("3"), or null (N/A, missing, not a whole number). */
function wholeNumber(r: Reader, node: XmlNode, path: string): number | null {
  const value = r.number(node, path);
  return value !== null && Number.isSafeInteger(value) ? value : null;
}

/**
 * The processes the XML lists (graphics and compute), at most NODE_LIMITS.processesPerGpu; the
 * owner, command line and start come from /proc where the collector can read it. Undefined when
 * the driver did not say (no element, N/A).
 */
function processes(r: Reader, gpu: XmlNode): GpuProcess[] | undefined {
  if (processCount(gpu) === null) return undefined;
  const infos = childrenNamed(find(gpu, 'processes')!, 'process_info').slice(0, NODE_LIMITS.processesPerGpu);
  const out: GpuProcess[] = [];
  for (const info of infos) {
    const pid = wholeNumber(r, info, 'pid');
    if (pid === null || pid < 0) continue;
    const text = (path: string) => {
      const value = r.text(info, path);
      return value === null ? null : clip(value);
    };
    out.push({
      pid,
      type: text('type'),
      name: text('process_name'),
      command: null,
      user: null,
      usedMemoryMib: r.number(info, 'used_memory', 'MiB'),
      startedAtMs: null,
      gpuInstanceId: wholeNumber(r, info, 'gpu_instance_id'),
      computeInstanceId: wholeNumber(r, info, 'compute_instance_id'),
    });
  }
  return out;
}

/** The MIG devices of a GPU; undefined where it has none and MIG is not enabled. */
function migDevices(r: Reader, gpu: XmlNode): MigDevice[] | undefined {
  const md = find(gpu, 'mig_devices');
  const devices = md === undefined ? [] : childrenNamed(md, 'mig_device').slice(0, 64);
  if (devices.length === 0 && r.text(gpu, 'mig_mode/current_mig') !== 'Enabled') return undefined;
  return devices.map((device) => {
    const profile = r.text(device, 'profile');
    return {
      index: wholeNumber(r, device, 'index'),
      gpuInstanceId: wholeNumber(r, device, 'gpu_instance_id'),
      computeInstanceId: wholeNumber(r, device, 'compute_instance_id'),
      profile: profile === null ? null : clip(profile),
      smCount: r.number(device, 'device_attributes/shared/multiprocessor_count'),
      fbMemoryTotalMib: r.number(device, 'fb_memory_usage/total', 'MiB'),
      fbMemoryUsedMib: r.number(device, 'fb_memory_usage/used', 'MiB'),
    };
  });
}

function migDeviceCount(gpu: XmlNode): number | null {
  const md = find(gpu, 'mig_devices');
  return md === undefined ? null : childrenNamed(md, 'mig_device').length;
}

function gpuRecord(r: Reader, index: number, gpu: XmlNode, root: XmlNode): Gpu {
  const listed = processes(r, gpu);
  const mig = migDevices(r, gpu);
  return {
    index,
    minorNumber: r.number(gpu, 'minor_number'),
    productName: r.text(gpu, 'product_name'),
    uuid: r.text(gpu, 'uuid'),
    pciBusId: r.text(gpu, 'pci/pci_bus_id') ?? attribute(gpu, 'id') ?? null,
    driverVersion: r.text(root, 'driver_version'),
    cudaVersion: r.text(root, 'cuda_version'),
    fanSpeedPct: r.number(gpu, 'fan_speed', '%'),
    gpuUtilPct: r.number(gpu, 'utilization/gpu_util', '%'),
    memoryUtilPct: r.number(gpu, 'utilization/memory_util', '%'),
    fbMemoryTotalMib: r.number(gpu, 'fb_memory_usage/total', 'MiB'),
    fbMemoryUsedMib: r.number(gpu, 'fb_memory_usage/used', 'MiB'),
    temperatureC: r.number(gpu, 'temperature/gpu_temp', 'C'),
    powerDrawW: r.firstNumber(
      gpu,
      ['gpu_power_readings/power_draw', 'gpu_power_readings/average_power_draw', 'gpu_power_readings/instant_power_draw', 'power_readings/power_draw'],
      'W',
    ),
    powerDrawAverageW: r.number(gpu, 'gpu_power_readings/average_power_draw', 'W'),
    powerDrawInstantW: r.number(gpu, 'gpu_power_readings/instant_power_draw', 'W'),
    powerLimitW: r.firstNumber(gpu, ['gpu_power_readings/current_power_limit', 'power_readings/power_limit'], 'W'),
    enforcedPowerLimitW: r.number(gpu, 'power_readings/enforced_power_limit', 'W'),
    smClockMhz: r.number(gpu, 'clocks/sm_clock', 'MHz'),
    eccModeCurrent: r.text(gpu, 'ecc_mode/current_ecc'),
    eccErrors: eccErrors(r, gpu),
    retiredPages: retiredPages(r, gpu),
    remappedRows: remappedRows(r, gpu),
    migModeCurrent: r.text(gpu, 'mig_mode/current_mig'),
    migDeviceCount: migDeviceCount(gpu),
    processCount: processCount(gpu),
    ...(listed !== undefined && { processes: listed }),
    ...(mig !== undefined && { migDevices: mig }),
    clockEventReasonsActive: clockEventReasonsActive(gpu),
  };
}

const DTD = /nvsmi_device(?:_v(\d+))?\.dtd/;

/** Parses `nvidia-smi -q -x` output. Throws XmlParseError with a clear reason on anything else. */
export function parseNvidiaSmiXml(text: string): NvidiaSmiReport {
  const { rootName, root } = parseXml(text, NVIDIA_SMI_XML_LIMITS);
  if (rootName !== 'nvidia_smi_log') throw new XmlParseError(`root element is <${rootName.slice(0, 40)}>, not <nvidia_smi_log>`);
  const r = new Reader();
  const dtd = DTD.exec(text.slice(0, 4096));
  const gpus = childrenNamed(root, 'gpu').map((gpu, index) => gpuRecord(r, index, gpu, root));
  // A copy with strings of their own: the parsed values are V8 slices of `text`, so a GPU name
  // or UUID kept (an SSH node keeps its last XML GPUs for minutes) would keep the whole document
  // alive, ~47 KB a GPU: 140 MB for 375 nodes of 8 GPUs (bench ssh, heap snapshot).
  return structuredClone({
    timestamp: r.text(root, 'timestamp'),
    driverVersion: r.text(root, 'driver_version'),
    kmdVersion: r.text(root, 'kmd_version'),
    cudaVersion: r.text(root, 'cuda_version'),
    attachedGpus: r.number(root, 'attached_gpus'),
    dtdVersion: dtd?.[1] ? Number(dtd[1]) : null,
    gpus,
    warnings: r.warnings,
  });
}
