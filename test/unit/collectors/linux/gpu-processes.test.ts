// Compute apps (real `nvidia-smi --query-compute-apps` captures), the /proc facts section, and
// how they join onto GPUs. Expected values were written by reading the captures.
import { describe, expect, it } from 'vitest';
import { parseComputeApps } from '../../../../electron/core/collectors/linux/compute-apps';
import { attachComputeApps, mergeXmlProcessDetails, withProcFacts } from '../../../../electron/core/collectors/linux/gpu-processes';
import { parseGpuProcs, processDetails, statStartTicks } from '../../../../electron/core/collectors/linux/proc-process';
import { parseNvidiaSmiXml } from '../../../../electron/core/collectors/nvidia-smi-xml';
import { GpuSchema, type Gpu } from '../../../../shared/model/gpu';
import { NODE_LIMITS } from '../../../../shared/model/limits';
import { readFixture } from '../../../helpers/fixtures';

const apps = (file: string) => parseComputeApps(readFixture('nvidia-smi/csv', `${file}.query-compute-apps.csv`));
const MASKED_UUID = 'GPU-00000000-0000-0000-0000-000000000000';

describe('parseComputeApps over the real captures', () => {
  it('H200 under load: two memhogs and gpu_burn, memory in MiB', () => {
    const parsed = apps('h200-linux-drv590.48.01-load');
    expect(parsed.apps).toEqual([
      { gpuUuid: MASKED_UUID, pid: 10291, name: '/root/tools/memhog', usedMemoryMib: 2566 },
      { gpuUuid: MASKED_UUID, pid: 10293, name: '/root/tools/memhog', usedMemoryMib: 1542 },
      { gpuUuid: MASKED_UUID, pid: 10309, name: './gpu_burn', usedMemoryMib: 28234 },
    ]);
    expect(parsed.warnings).toEqual([]);
  });

  it('H100 in MIG mode: the rows name the physical GPU', () => {
    expect(apps('h100-80gb-hbm3-mig-linux-drv590.48.01-load').apps.map((a) => [a.pid, a.usedMemoryMib])).toEqual([
      [21180, 2296],
      [21181, 1272],
      [21198, 7484],
    ]);
  });

  it('an idle H100: the header alone is no process', () => {
    expect(apps('h100-80gb-hbm3-linux-drv590.48.01-idle')).toEqual({ apps: [], warnings: [] });
  });

  it('Windows (WDDM): [N/A] memory reads as null, paths with backslashes and spaces kept', () => {
    const parsed = apps('rtx-2080-super-windows-drv610.62-load');
    expect(parsed.apps).toHaveLength(21);
    expect(parsed.apps[0]).toEqual({ gpuUuid: MASKED_UUID, pid: 2140, name: 'C:\\Windows\\System32\\dwm.exe', usedMemoryMib: null });
    expect(parsed.apps[9]!.name).toBe('C:\\Program Files (x86)\\Microsoft\\EdgeWebView\\Application\\149.0.4022.80\\msedgewebview2.exe');
    expect(parsed.warnings).toEqual([]);
  });

  it('a process name holding ", " stays one name', () => {
    const capture = readFixture('nvidia-smi/csv', 'rtx-4080-super-linux-drv595.71.05-load.query-compute-apps.csv');
    const parsed = parseComputeApps(
      capture.replace('/usr/bin/kwin_wayland', '/opt/chrome --enable-crash-reporter=2cc3d909, --change-stack-guard-on-fork=enable'),
    );
    expect(parsed.apps[0]).toEqual({
      gpuUuid: MASKED_UUID,
      pid: 2165,
      name: '/opt/chrome --enable-crash-reporter=2cc3d909, --change-stack-guard-on-fork=enable',
      usedMemoryMib: 25,
    });
    expect(parsed.apps.map((a) => a.pid)).toEqual([2165, 5022, 5021]);
  });

  it('skips a row whose PID is not a number, and reads nothing without a pid column', () => {
    const capture = readFixture('nvidia-smi/csv', 'l40s-linux-drv595.80-load.query-compute-apps.csv');
    const parsed = parseComputeApps(capture.replace(', 20037, ', ', 20037x, '));
    expect(parsed.apps.map((a) => a.pid)).toEqual([20038]);
    expect(parsed.warnings[0]).toMatch(/not a PID: "20037x"/);
    expect(parseComputeApps('something else\n1, 2\n').apps).toEqual([]);
  });
});

// A real /proc/PID/stat line (Debian 12, a `sleep 600` started by the test user), its comm
// replaced by one that tries to shift the fields.
const STAT =
  '4242 (evil) 1 2 3) S 4000 4242 4000 34816 4242 4194304 93 0 0 0 0 0 0 0 20 0 1 0 123456 5652480 246 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0';

describe('the gpu-procs section', () => {
  it('reads starttime after the last parenthesis, whatever comm holds', () => {
    expect(statStartTicks(STAT)).toBe(123456);
    expect(statStartTicks('garbage')).toBeNull();
  });

  const section = [
    'hz 100',
    'uptime 2234.56 4000.00',
    `stat 4242 ${STAT}`,
    'uid 4242 1000',
    'cmd 4242 python train.py --epochs 3\u0000',
    'stat 77 77 (x) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 100 0 0',
    'uid 77 2001',
    'cmd 77 ',
    'user 1000 alice',
    'nouser 2001',
  ].join('\n');

  it('gives user, command and start per PID; a uid without a name is shown as the number', () => {
    const procs = parseGpuProcs(section);
    expect(procs.warnings).toEqual([]);
    // Started 1234.56 s after boot; the node has been up 2234.56 s: 1000 s before collection.
    expect(processDetails(procs, 4242, 1_700_000_000_000)).toEqual({
      user: 'alice',
      command: 'python train.py --epochs 3',
      startedAtMs: 1_700_000_000_000 - 1_000_000,
    });
    expect(processDetails(procs, 77, 1_700_000_000_000)).toEqual({ user: '2001', command: null, startedAtMs: 1_700_000_000_000 - 2_233_560 });
  });

  it('a PID the node did not answer for (hidden, gone) is null, not an error', () => {
    expect(processDetails(parseGpuProcs(section), 5, 0)).toEqual({ user: null, command: null, startedAtMs: null });
    expect(processDetails(parseGpuProcs('hz 100\n'), 4242, 0)).toEqual({ user: null, command: null, startedAtMs: null });
  });

  it('clips a long command line and refuses odd lines', () => {
    const procs = parseGpuProcs(`cmd 1 ${'x'.repeat(2000)}\nuser 1 bad name\nstat zz (a) S\nwhat 1 2\n`);
    expect(procs.byPid.get(1)!.command).toHaveLength(NODE_LIMITS.text);
    expect(procs.users.size).toBe(0);
    expect(procs.warnings).toHaveLength(2);
  });
});

function gpu(uuid: string | null, index = 0): Gpu {
  const base = parseNvidiaSmiXml(readFixture('nvidia-smi/xml', 'tesla-t4-linux-drv515-v11.xml')).gpus[0]!;
  const { processes: _p, ...rest } = base;
  return { ...rest, index, uuid, processCount: null };
}

describe('joining compute apps to GPUs', () => {
  it('by UUID, with /proc facts, largest memory first; GPUs without apps get an empty list', () => {
    const list = [
      { gpuUuid: 'GPU-b', pid: 4242, name: 'python', usedMemoryMib: 100 },
      { gpuUuid: 'GPU-a', pid: 10, name: 'a', usedMemoryMib: 5 },
      { gpuUuid: 'GPU-a', pid: 11, name: 'b', usedMemoryMib: 50 },
    ];
    const procs = parseGpuProcs('hz 100\nuptime 2000.00 1\nuid 4242 0\nuser 0 root\ncmd 4242 python x.py\n');
    const joined = attachComputeApps([gpu('GPU-a'), gpu('GPU-b', 1), gpu('GPU-c', 2)], list, procs, 5000);
    expect(joined[0]!.processes!.map((p) => p.pid)).toEqual([11, 10]);
    expect(joined[0]!.processCount).toBe(2);
    expect(joined[1]!.processes).toEqual([
      {
        pid: 4242,
        type: 'C',
        name: 'python',
        command: 'python x.py',
        user: 'root',
        usedMemoryMib: 100,
        startedAtMs: null,
        gpuInstanceId: null,
        computeInstanceId: null,
      },
    ]);
    expect(joined[2]!.processes).toEqual([]);
    expect(joined[2]!.processCount).toBe(0);
    for (const g of joined) expect(GpuSchema.parse(g)).toEqual(g);
  });

  it('lists at most processesPerGpu; processCount is the full count', () => {
    const many = Array.from({ length: 200 }, (_, i) => ({ gpuUuid: 'GPU-a', pid: 1000 + i, name: 'w', usedMemoryMib: i }));
    const [one] = attachComputeApps([gpu('GPU-a')], many, null, 0);
    expect(one!.processes).toHaveLength(NODE_LIMITS.processesPerGpu);
    expect(one!.processes![0]!.pid).toBe(1199);
    expect(one!.processCount).toBe(200);
  });

  it("lays /proc facts over the XML's processes", () => {
    const xml = parseNvidiaSmiXml(readFixture('nvidia-smi/xml', 'tesla-t4-linux-drv515-v11.xml')).gpus;
    const procs = parseGpuProcs(
      'hz 100\nuptime 100.00 1\nuid 5762 1000\nuser 1000 bob\ncmd 5762 python serve.py\nstat 5762 5762 (python) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5000 0 0\n',
    );
    const [t4] = withProcFacts(xml, procs, 1_000_000);
    expect(t4!.processes![0]).toMatchObject({ pid: 5762, user: 'bob', command: 'python serve.py', startedAtMs: 1_000_000 - 50_000, usedMemoryMib: 1005 });
    expect(t4!.processes![1]).toMatchObject({ pid: 675, user: null, command: null, name: '/usr/lib/xorg/Xorg' });
  });

  it('merges the XML into per-tick processes: MIG ids by PID and MIG devices; the per-tick count stands', () => {
    const a100 = parseNvidiaSmiXml(readFixture('nvidia-smi/xml', 'a100-sxm4-80gb-mig-drv535-v12.xml')).gpus[0]!;
    const xml: Gpu = {
      ...a100,
      processCount: 1,
      processes: [{ pid: 7, type: 'C', name: 'x', command: null, user: null, usedMemoryMib: 1, startedAtMs: null, gpuInstanceId: 3, computeInstanceId: 0 }],
    };
    const [tick] = attachComputeApps([{ ...gpu(a100.uuid), migDevices: undefined }], [{ gpuUuid: a100.uuid, pid: 7, name: 'x', usedMemoryMib: 9 }], null, 0);
    const merged = mergeXmlProcessDetails(tick!, xml);
    expect(merged.processes![0]).toMatchObject({ pid: 7, usedMemoryMib: 9, gpuInstanceId: 3, computeInstanceId: 0 });
    expect(merged.migDevices).toHaveLength(4);
    expect(merged.processCount).toBe(1);
    // Without a per-tick list, the XML's stands.
    expect(mergeXmlProcessDetails(gpu(a100.uuid), xml)).toMatchObject({ processCount: 1, processes: xml.processes });
  });
});
