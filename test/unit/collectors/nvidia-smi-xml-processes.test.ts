// Processes and MIG devices of real `nvidia-smi -q -x` captures. The expected values were
// written by reading the captures (test/fixtures/nvidia-smi/xml), not by running the parser.
import { describe, expect, it } from 'vitest';
import { parseNvidiaSmiXml } from '../../../electron/core/collectors/nvidia-smi-xml';
import { GpuSchema, type GpuProcess } from '../../../shared/model/gpu';
import { NODE_LIMITS } from '../../../shared/model/limits';
import { readFixture } from '../../helpers/fixtures';

const report = (file: string) => parseNvidiaSmiXml(readFixture('nvidia-smi/xml', file));

/** A process as the XML gives it: no owner, command line or start time (those come from /proc). */
function xmlProcess(pid: number, type: string | null, name: string | null, usedMemoryMib: number | null, ids: [number, number] | null = null): GpuProcess {
  return {
    pid,
    type,
    name,
    command: null,
    user: null,
    usedMemoryMib,
    startedAtMs: null,
    gpuInstanceId: ids?.[0] ?? null,
    computeInstanceId: ids?.[1] ?? null,
  };
}

describe('processes from the XML', () => {
  it('two GeForce GTX 1070 on driver 384 (no instance ids in DTD v9): graphics and compute per GPU', () => {
    const { gpus, warnings } = report('2x-gtx-1070-drv384-v9.xml');
    expect(gpus[0]!.processes).toEqual([
      xmlProcess(1357, 'G', '/usr/lib/xorg/Xorg', 99),
      xmlProcess(2384, 'G', '/usr/bin/gnome-shell', 79),
      xmlProcess(3093, 'C', './ethminer', 2283),
    ]);
    expect(gpus[1]!.processes).toEqual([xmlProcess(3093, 'C', './ethminer', 2283)]);
    expect(gpus.map((g) => g.processCount)).toEqual([3, 1]);
    expect(warnings).toEqual([]);
  });

  it('two RTX A5000: one llama-server spread over both, N/A instance ids read as null', () => {
    const { gpus } = report('2x-rtx-a5000-drv590-v13.xml');
    expect(gpus.map((g) => g.processes)).toEqual([
      [xmlProcess(100477, 'C', '/root/src/llama.cpp/build/bin/llama-server', 22430)],
      [xmlProcess(100477, 'C', '/root/src/llama.cpp/build/bin/llama-server', 17246)],
    ]);
  });

  it('Tesla T4 on Linux: Xorg and a python job', () => {
    expect(report('tesla-t4-linux-drv515-v11.xml').gpus[0]!.processes).toEqual([
      xmlProcess(675, 'G', '/usr/lib/xorg/Xorg', 22),
      xmlProcess(5762, 'C', 'python', 1005),
    ]);
  });

  it('GT 1030: ten processes, a 0 MiB one kept, a long chromium command line kept whole (under the text bound)', () => {
    const processes = report('gt-1030-drv470-v11.xml').gpus[0]!.processes!;
    expect(processes.map((p) => p.pid)).toEqual([607, 746, 750, 816, 992, 1000, 1005, 1006, 1264, 2028]);
    expect(processes[1]).toEqual(xmlProcess(746, 'G', '/usr/bin/kded5', 0));
    expect(processes[8]!.name).toMatch(/^\/usr\/lib\/chromium\/chromium --type=gpu-process .* --shared-files$/);
    expect(processes[8]!.usedMemoryMib).toBe(130);
  });

  it('Tesla T4 under Windows WDDM: C+G processes, N/A memory and empty names read as null', () => {
    const { gpus, warnings } = report('tesla-t4-windows-wddm-drv512-v11.xml');
    const processes = gpus[0]!.processes!;
    expect(processes).toHaveLength(15);
    expect(gpus[0]!.processCount).toBe(15);
    expect(processes[0]).toEqual(xmlProcess(2320, 'C+G', null, null));
    expect(processes[10]).toEqual(xmlProcess(10380, 'C+G', 'C:\\Windows\\SystemApps\\Microsoft.Windows.Search_cw5n1h2txyewy\\SearchApp.exe', null));
    expect(processes[13]).toEqual(xmlProcess(15604, 'C+G', 'C:\\Windows\\explorer.exe', null));
    expect(warnings).toEqual([]);
  });

  it('an A100 in MIG mode with no processes: an empty list, not "not reported"', () => {
    const gpu = report('a100-sxm4-80gb-mig-drv535-v12.xml').gpus[0]!;
    expect(gpu.processes).toEqual([]);
    expect(gpu.processCount).toBe(0);
  });

  it('lists at most NODE_LIMITS.processesPerGpu processes; processCount stays the full count', () => {
    const xml = readFixture('nvidia-smi/xml', 'tesla-t4-linux-drv515-v11.xml');
    const one = (pid: number) =>
      `<process_info><gpu_instance_id>N/A</gpu_instance_id><compute_instance_id>N/A</compute_instance_id><pid>${pid}</pid><type>C</type><process_name>w${pid}</process_name><used_memory>1 MiB</used_memory></process_info>`;
    const many = Array.from({ length: 300 }, (_, i) => one(10_000 + i)).join('');
    const gpu = parseNvidiaSmiXml(xml.replace(/<processes>[\s\S]*?<\/processes>/, `<processes>${many}</processes>`)).gpus[0]!;
    expect(gpu.processCount).toBe(300);
    expect(gpu.processes).toHaveLength(NODE_LIMITS.processesPerGpu);
    expect(gpu.processes![0]!.pid).toBe(10_000);
    expect(GpuSchema.parse(gpu)).toEqual(gpu);
  });

  it('a process name past the text bound is clipped, and a PID that is not a number is skipped', () => {
    const xml = readFixture('nvidia-smi/xml', 'tesla-t4-linux-drv515-v11.xml');
    const long = `/opt/x ${'a'.repeat(5000)}`;
    const gpu = parseNvidiaSmiXml(
      xml.replace('<process_name>python</process_name>', `<process_name>${long}</process_name>`).replace('<pid>675</pid>', '<pid>-x</pid>'),
    ).gpus[0]!;
    expect(gpu.processes!.map((p) => p.pid)).toEqual([5762]);
    expect(gpu.processes![0]!.name).toHaveLength(NODE_LIMITS.text);
    expect(gpu.processes![0]!.name!.endsWith('…')).toBe(true);
  });
});

describe('MIG devices from the XML', () => {
  it('A100 80GB with four MIG devices (gpu instances 3 to 6, 14 SMs and 19968 MiB each)', () => {
    const gpu = report('a100-sxm4-80gb-mig-drv535-v12.xml').gpus[0]!;
    expect(gpu.migDevices).toEqual(
      [3, 4, 5, 6].map((gi, index) => ({
        index,
        gpuInstanceId: gi,
        computeInstanceId: 0,
        profile: null,
        smCount: 14,
        fbMemoryTotalMib: 19968,
        fbMemoryUsedMib: 12,
      })),
    );
    expect(gpu.migDeviceCount).toBe(4);
    expect(GpuSchema.parse(gpu)).toEqual(gpu);
  });

  it('GPUs without MIG devices and MIG off have no migDevices', () => {
    for (const file of ['2x-rtx-a5000-drv590-v13.xml', 'tesla-t4-linux-drv515-v11.xml', '2x-gtx-1070-drv384-v9.xml']) {
      for (const gpu of report(file).gpus) expect(gpu.migDevices).toBeUndefined();
    }
  });
});
