/**
 * The `gpus` probe: `nvidia-smi -q -x` through the collectors' parser, plus what an audit asks
 * that the GPU model does not hold (persistence mode, VBIOS, InfoROM, pending ECC/MIG modes, the
 * NVSwitch fabric state), read here from the same document. No nvidia-smi: no GPUs, not an error.
 */
import { NVIDIA_SMI_XML_LIMITS, parseNvidiaSmiXml } from '../../collectors/nvidia-smi-xml';
import { childrenNamed, find, ownText, parseXml, type XmlNode } from '../../xml/safe-xml';
import type { ExecResult } from '../../hosts/host';
import type { Probe } from '../types';
import type { GpuFact, GpusFact } from './facts';
import { asExec, execProblem, oneRound, type ProbeProgram } from './program';

type GpusProbe = Extract<Probe, { kind: 'gpus' }>;

export function unknownGpus(_probe: GpusProbe, problem: string): GpusFact {
  return { kind: 'gpus', present: null, driverVersion: null, cudaVersion: null, gpus: [], nvswitch: null, problem, warnings: [] };
}

const NULLS = new Set(['', 'n/a', '[n/a]', 'not supported', '[not supported]', 'unknown error', 'none']);

function text(node: XmlNode | undefined, path: string): string | null {
  const target = find(node, path);
  if (target === undefined) return null;
  const value = ownText(target).trim().slice(0, 256);
  return NULLS.has(value.toLowerCase()) ? null : value;
}

/** Datacenter boards (ECC on by default, the ones a cluster baseline wants ECC on). */
const DATACENTER =
  /\b(?:Tesla|[AHB]\d{2,3}[A-Z]?|A10G?|A16|A2|A30|A40|A100|A800|H100|H200|H20|H800|B100|B200|GB200|GH200|L4|L20|L40S?|V100|P100|P40|P4|T4|K80|M60|M40)\b/;

export function isDatacenterGpu(productName: string | null, brand: string | null): boolean {
  if (brand !== null && /^(?:Tesla|NVIDIA)$/i.test(brand) && productName !== null && !/RTX|Quadro|GeForce|TITAN/i.test(productName)) return true;
  return productName !== null && DATACENTER.test(productName.replace(/^NVIDIA\s+/, '')) && !/RTX|Quadro|GeForce/i.test(productName);
}

/** `nvidia-smi -q -x` text as the fact. Pure; never throws. */
export function parseGpusXml(xml: string): GpusFact {
  try {
    const report = parseNvidiaSmiXml(xml);
    const { root } = parseXml(xml, NVIDIA_SMI_XML_LIMITS);
    const nodes = childrenNamed(root, 'gpu');
    const gpus: GpuFact[] = report.gpus.map((gpu, i) => {
      const node = nodes[i];
      const fabricState = text(node, 'fabric/state');
      return {
        ...gpu,
        persistenceMode: text(node, 'persistence_mode'),
        vbiosVersion: text(node, 'vbios_version'),
        inforomImage: text(node, 'inforom_version/img_version'),
        inforomOem: text(node, 'inforom_version/oem_object'),
        inforomEcc: text(node, 'inforom_version/ecc_object'),
        eccModePending: text(node, 'ecc_mode/pending_ecc'),
        migModePending: text(node, 'mig_mode/pending_mig'),
        fabricState,
        datacenter: isDatacenterGpu(gpu.productName, text(node, 'product_brand')),
      };
    });
    const states = gpus.map((g) => g.fabricState);
    return {
      kind: 'gpus',
      present: true,
      driverVersion: report.driverVersion,
      cudaVersion: report.cudaVersion,
      gpus,
      nvswitch: gpus.length === 0 ? false : states.some((s) => s !== null),
      problem: null,
      warnings: report.warnings.slice(0, 20),
    };
  } catch (error) {
    return unknownGpus({ kind: 'gpus' }, `nvidia-smi output: ${error instanceof Error ? error.message.slice(0, 200) : 'unreadable'}`);
  }
}

export function gpusFact(result: ExecResult): GpusFact {
  if (result.notFound) return { kind: 'gpus', present: false, driverVersion: null, cudaVersion: null, gpus: [], nvswitch: false, problem: null, warnings: [] };
  const problem = execProblem(result, 'nvidia-smi');
  if (problem) return unknownGpus({ kind: 'gpus' }, problem);
  if (result.exitCode !== 0)
    return unknownGpus({ kind: 'gpus' }, `nvidia-smi: exit ${result.exitCode}: ${(result.stdout + result.stderr).trim().slice(0, 200)}`);
  return parseGpusXml(result.stdout);
}

export function gpusProgram(_probe: GpusProbe): ProbeProgram<GpusFact> {
  return oneRound([{ kind: 'exec', program: 'nvidia-smi', args: ['-q', '-x'] }], ([r]) => gpusFact(asExec(r)));
}
