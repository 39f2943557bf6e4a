// Each failure detector as a pure function over snapshots built from real nvidia-smi captures
// (the XML parser's Gpu objects; counters raised by hand to simulate a failure happening).
import { describe, expect, it } from 'vitest';
import { detectGpuDriver } from '../../../electron/core/failures/detectors/gpu-driver';
import { detectGpuMemoryHealth } from '../../../electron/core/failures/detectors/gpu-memory-health';
import { detectGpuPresence, type BaselineGpu, type FallenOffEvidence } from '../../../electron/core/failures/detectors/gpu-presence';
import { detectGpuThrottle } from '../../../electron/core/failures/detectors/gpu-throttle';
import { detectNodeStatus } from '../../../electron/core/failures/detectors/node-status';
import { xidSignal } from '../../../electron/core/failures/detectors/xid-signal';
import { openDatabase } from '../../../electron/core/store/db';
import type { Gpu } from '../../../shared/model/gpu';
import { captureGpus, failedSnapshot, gpuSnapshot, nodeState, recordCapture, timedOutSnapshot } from './failure-fixtures';

const T = Date.UTC(2025, 1, 23, 16, 0, 0);
const NODE = 'gpu-07';
const [a5000a, a5000b] = captureGpus('2x-rtx-a5000-drv590-v13.xml') as [Gpu, Gpu];
const [v100] = captureGpus('v100-sxm3-32gb-retired-pages-drv410-v10.xml') as [Gpu];
const [a10g] = captureGpus('a10g-drv515-v11.xml') as [Gpu];

const baselineOf = (gpus: Gpu[]): BaselineGpu[] =>
  gpus.map((g) => ({ nodeId: NODE, key: g.uuid!, pciBusId: g.pciBusId, index: g.index, name: g.productName, firstSeenMs: T - 1000, lastSeenMs: T - 1000 }));

describe('gpu-presence', () => {
  it('reports a GPU of the baseline that the listing no longer has, by PCI id, with its UUID', () => {
    const result = detectGpuPresence({
      nodeId: NODE,
      atMs: T,
      snapshot: gpuSnapshot(NODE, T, [a5000a]),
      baseline: baselineOf([a5000a, a5000b]),
      fallenOff: new Map(),
    });
    expect(result.evaluated).toEqual(['gpu-fallen-off-bus']);
    expect(result.signals).toHaveLength(1);
    const [signal] = result.signals;
    expect(signal).toMatchObject({
      detector: 'gpu-fallen-off-bus',
      nodeId: NODE,
      subject: '00000000:C1:00.0',
      gpu: 'GPU-12345678-aaaa-bbbb-cccc-0123456789cd',
      severity: 'critical',
      value: 1,
      labels: { pci: '00000000:C1:00.0', gpu_index: '1', gpu_name: 'NVIDIA RTX A5000', evidence: 'missing', present: '1', expected: '2' },
    });
    expect(signal!.text).toContain('no longer listed by nvidia-smi (1 of the 2 GPUs this node had are listed)');
  });

  it('says nothing while every GPU is listed, and counts "no devices" as every GPU gone', () => {
    const all = detectGpuPresence({
      nodeId: NODE,
      atMs: T,
      snapshot: gpuSnapshot(NODE, T, [a5000a, a5000b]),
      baseline: baselineOf([a5000a, a5000b]),
      fallenOff: new Map(),
    });
    expect(all.signals).toEqual([]);
    expect(all.seen.map((g) => g.uuid)).toEqual([a5000a.uuid, a5000b.uuid]);
    const none = detectGpuPresence({
      nodeId: NODE,
      atMs: T,
      snapshot: failedSnapshot(NODE, T, 'no-devices-found.txt', 6),
      baseline: baselineOf([a5000a, a5000b]),
      fallenOff: new Map(),
    });
    expect(none.signals.map((s) => s.subject)).toEqual(['00000000:81:00.0', '00000000:C1:00.0']);
  });

  it('does not look when nvidia-smi timed out: no missing GPU, not evaluated', () => {
    const result = detectGpuPresence({
      nodeId: NODE,
      atMs: T,
      snapshot: timedOutSnapshot(NODE, T),
      baseline: baselineOf([a5000a, a5000b]),
      fallenOff: new Map(),
    });
    expect(result).toMatchObject({ signals: [], evaluated: [], seen: [] });
  });

  it('takes another GPU in the same slot as a replacement, not a loss', () => {
    const replacement = { ...a5000b, uuid: 'GPU-new' };
    const result = detectGpuPresence({
      nodeId: NODE,
      atMs: T,
      snapshot: gpuSnapshot(NODE, T, [a5000a, replacement]),
      baseline: baselineOf([a5000a, a5000b]),
      fallenOff: new Map(),
    });
    expect(result.signals).toEqual([]);
    expect(result.replaced).toEqual([a5000b.uuid]);
  });

  it('merges the kernel fallen-off-bus event and the missing GPU into one signal with the kernel lines', () => {
    const db = openDatabase(':memory:');
    const [event] = recordCapture(db, NODE, 'xid-79-fallen-off-bus.kernel.txt', T - 5000);
    const gone = { ...a5000b, pciBusId: '00000000:06:00.0' };
    const evidence: FallenOffEvidence = { pciId: event!.pciId, sinceMs: T - 5000, event: event! };
    const result = detectGpuPresence({
      nodeId: NODE,
      atMs: T,
      snapshot: gpuSnapshot(NODE, T, [a5000a]),
      baseline: baselineOf([a5000a, gone]),
      fallenOff: new Map([[evidence.pciId, evidence]]),
    });
    expect(result.signals).toHaveLength(1);
    expect(result.signals[0]).toMatchObject({
      subject: '00000000:06:00.0',
      gpu: a5000b.uuid,
      atMs: T - 5000,
      labels: { evidence: 'kernel+missing', xid: '79', pci: '00000000:06:00.0' },
      raw: ['NVRM: Xid (PCI:0000:06:00): 79, GPU has fallen off the bus.', 'NVRM: GPU 0000:06:00.0: GPU has fallen off the bus.'],
    });
    expect(result.signals[0]!.text).toMatch(/the kernel reports Xid 79: GPU has fallen off the bus\./);
    expect(result.signals[0]!.text).toMatch(/It is no longer listed by nvidia-smi/);
    db.close();
  });

  it('keeps kernel evidence until the GPU is listed in a reading taken after the event', () => {
    const db = openDatabase(':memory:');
    const [event] = recordCapture(db, NODE, 'fallen-off-bus-multiline-no-xid.dmesg.txt', T);
    expect(event!.pciId).toBe('00000000:B3:00.0');
    const back = { ...a5000a, pciBusId: '00000000:B3:00.0' };
    const fallenOff = new Map([[event!.pciId, { pciId: event!.pciId, sinceMs: T, event: event! }]]);
    // Listed in a reading from before the event (and with the snapshot missing): still active.
    const before = detectGpuPresence({ nodeId: NODE, atMs: T, snapshot: gpuSnapshot(NODE, T - 1, [back]), baseline: [], fallenOff });
    expect(before.signals.map((s) => [s.subject, s.labels.evidence, s.gpu])).toEqual([['00000000:B3:00.0', 'kernel', '00000000:B3:00.0']]);
    const unreachable = detectGpuPresence({ nodeId: NODE, atMs: T, snapshot: null, baseline: [], fallenOff });
    expect(unreachable.signals).toHaveLength(1);
    expect(unreachable.evaluated).toEqual([]);
    // Listed after it: over.
    const after = detectGpuPresence({ nodeId: NODE, atMs: T + 5000, snapshot: gpuSnapshot(NODE, T + 5000, [back]), baseline: [], fallenOff });
    expect(after.signals).toEqual([]);
    expect(after.cleared).toEqual(['00000000:B3:00.0']);
    db.close();
  });
});

describe('gpu memory health', () => {
  it('reports nothing on the first reading of a GPU, then each rise of volatile uncorrected and double-bit counts once', () => {
    const first = detectGpuMemoryHealth(NODE, T, gpuSnapshot(NODE, T, [v100]), new Map());
    expect(first.signals.map((s) => s.detector)).toEqual(['gpu-retired-pages-pending']);
    expect(first.next.get(v100.uuid!)).toEqual({ volatileUncorrected: 1, doubleBitRetired: 2 });

    const worse: Gpu = {
      ...v100,
      eccErrors: { volatile: { corrected: 1, uncorrected: 4 }, aggregate: v100.eccErrors!.aggregate },
      retiredPages: { ...v100.retiredPages!, doubleBit: 3 },
    };
    const second = detectGpuMemoryHealth(NODE, T + 5000, gpuSnapshot(NODE, T + 5000, [worse]), first.next);
    const byDetector = Object.fromEntries(second.signals.map((s) => [s.detector, s]));
    expect(Object.keys(byDetector).sort()).toEqual(['gpu-ecc-dbe', 'gpu-ecc-uncorrected', 'gpu-retired-pages-pending']);
    expect(byDetector['gpu-ecc-uncorrected']).toMatchObject({
      subject: v100.uuid,
      gpu: v100.uuid,
      value: 4,
      labels: { pci: '00000000:34:00.0', gpu_index: '0' },
    });
    expect(byDetector['gpu-ecc-uncorrected']!.text).toContain('3 new uncorrected ECC errors (4 since the driver loaded)');
    expect(byDetector['gpu-ecc-dbe']).toMatchObject({ value: 3 });
    expect(byDetector['gpu-ecc-dbe']!.text).toContain('1 more page retired for double-bit ECC errors (3 in all)');

    // The same reading again: no new event; a driver reload (volatile back to 0) is not one either.
    const same = detectGpuMemoryHealth(NODE, T + 10_000, gpuSnapshot(NODE, T + 10_000, [worse]), second.next);
    expect(same.signals.map((s) => s.detector)).toEqual(['gpu-retired-pages-pending']);
    const reloaded = {
      ...worse,
      eccErrors: { volatile: { corrected: 0, uncorrected: 0 }, aggregate: null },
      retiredPages: { ...worse.retiredPages!, pending: 'No' },
    };
    expect(detectGpuMemoryHealth(NODE, T + 15_000, gpuSnapshot(NODE, T + 15_000, [reloaded]), same.next).signals).toEqual([]);
  });

  it('reads remapped rows pending and remapping failure from the "Yes" texts', () => {
    expect(detectGpuMemoryHealth(NODE, T, gpuSnapshot(NODE, T, [a10g]), new Map()).signals).toEqual([]);
    const failing = { ...a10g, remappedRows: { correctable: 0, uncorrectable: 3, pending: 'Yes', failure: 'Yes' } };
    const result = detectGpuMemoryHealth(NODE, T, gpuSnapshot(NODE, T, [failing]), new Map());
    expect(result.signals.map((s) => [s.detector, s.subject, s.value])).toEqual([
      ['gpu-row-remap-pending', a10g.uuid, 3],
      ['gpu-row-remap-failure', a10g.uuid, 3],
    ]);
    expect(result.signals[1]!.text).toMatch(/should be replaced/);
  });

  it('does not look, and remembers its counters, while the GPU listing failed', () => {
    const counters = new Map([[v100.uuid!, { volatileUncorrected: 1, doubleBitRetired: 2 }]]);
    const result = detectGpuMemoryHealth(NODE, T, timedOutSnapshot(NODE, T), counters);
    expect(result).toMatchObject({ signals: [], evaluated: [] });
    expect(result.next).toEqual(counters);
  });
});

describe('gpu-throttle', () => {
  it('reports each troubling reason per GPU, not idle or the power cap, and hw_slowdown only without a specific cause', () => {
    const idle = detectGpuThrottle(NODE, T, gpuSnapshot(NODE, T, [a5000a, a5000b]));
    expect(idle).toEqual({ signals: [], evaluated: ['gpu-throttle'] });
    const hot = { ...a5000a, clockEventReasonsActive: ['sw_power_cap', 'hw_slowdown', 'hw_thermal_slowdown', 'sw_thermal_slowdown'] };
    const braking = { ...a5000b, clockEventReasonsActive: ['hw_slowdown'] };
    const result = detectGpuThrottle(NODE, T, gpuSnapshot(NODE, T, [hot, braking]));
    expect(result.signals.map((s) => [s.subject, s.labels.reason])).toEqual([
      [`${a5000a.uuid}:hw_thermal_slowdown`, 'hw_thermal_slowdown'],
      [`${a5000a.uuid}:sw_thermal_slowdown`, 'sw_thermal_slowdown'],
      [`${a5000b.uuid}:hw_slowdown`, 'hw_slowdown'],
    ]);
    expect(result.signals[0]).toMatchObject({ detector: 'gpu-throttle', gpu: a5000a.uuid, labels: { gpu_index: '0', pci: '00000000:81:00.0' } });
    expect(result.signals[0]!.text).toMatch(/^GPU 0 \(NVIDIA RTX A5000, 00000000:81:00.0\): HW thermal slowdown/);
  });

  it('does not look at a node without a snapshot', () => {
    expect(detectGpuThrottle(NODE, T, null)).toEqual({ signals: [], evaluated: [] });
  });
});

describe('gpu-driver-error', () => {
  it.each([
    ['driver-not-loaded.txt', 9, 'driver-not-loaded', /The NVIDIA driver is not loaded/],
    ['nvml-driver-library-version-mismatch.txt', 18, 'version-mismatch', /version mismatch/],
    ['no-devices-found.txt', 6, 'no-devices', /found no GPUs/],
    ['nvml-unknown-error-in-container.txt', 255, 'nvml-error', /NVML failed to initialise/],
  ])('reports %s as one node signal with the collector message', (capture, exitCode, state, text) => {
    const result = detectGpuDriver(NODE, T, failedSnapshot(NODE, T, capture, exitCode));
    expect(result.evaluated).toEqual(['gpu-driver-error']);
    expect(result.signals).toHaveLength(1);
    expect(result.signals[0]).toMatchObject({ detector: 'gpu-driver-error', subject: '', gpu: null, severity: 'critical', labels: { state } });
    expect(result.signals[0]!.text).toMatch(text);
  });

  it('clears on a working listing and does not look after a timeout', () => {
    expect(detectGpuDriver(NODE, T, gpuSnapshot(NODE, T, [a10g]))).toEqual({ signals: [], evaluated: ['gpu-driver-error'] });
    expect(detectGpuDriver(NODE, T, timedOutSnapshot(NODE, T))).toEqual({ signals: [], evaluated: [] });
  });
});

describe('node status', () => {
  it.each([
    ['unreachable', 'node-unreachable'],
    ['auth-failed', 'node-auth-failed'],
    ['host-key-mismatch', 'node-host-key-changed'],
  ] as const)('%s is %s, with the last error as text', (status, detector) => {
    const result = detectNodeStatus(T, nodeState(NODE, status, 'ssh: connect to host gpu-07.lab port 22: No route to host', T - 60_000));
    expect(result.signals).toEqual([
      expect.objectContaining({ detector, nodeId: NODE, subject: '', gpu: null, atMs: T, text: 'ssh: connect to host gpu-07.lab port 22: No route to host' }),
    ]);
    expect(result.evaluated).toEqual(['node-unreachable', 'node-auth-failed', 'node-host-key-changed']);
  });

  it('an up node clears them; a connecting one (every node after a restart) is not looked at', () => {
    expect(detectNodeStatus(T, nodeState(NODE, 'up')).signals).toEqual([]);
    expect(detectNodeStatus(T, nodeState(NODE, 'up')).evaluated).toHaveLength(3);
    expect(detectNodeStatus(T, nodeState(NODE, 'connecting'))).toEqual({ signals: [], evaluated: [] });
  });
});

describe('xid signal', () => {
  it('decodes a recorded Xid: subject per GPU and number, catalog labels, severity from the event', () => {
    const db = openDatabase(':memory:');
    const events = recordCapture(db, NODE, 'xid-48-63-94-dbe-row-remap.dmesg-iso.log', T);
    const dbe = events.find((e) => e.xid === 48)!;
    const signal = xidSignal(dbe, { key: 'GPU-x', index: 2 });
    expect(signal).toMatchObject({
      detector: 'xid',
      nodeId: NODE,
      subject: `${dbe.pciId}:xid:48`,
      gpu: 'GPU-x',
      value: 48,
      severity: dbe.severity,
      labels: { xid: '48', name: dbe.name, mnemonic: expect.any(String), pci: dbe.pciId, gpu_index: '2' },
    });
    expect(signal.text.startsWith(`Xid 48: ${dbe.name}.`)).toBe(true);
    expect(signal.text).toContain(dbe.detail);
    expect(signal.atMs).toBe(dbe.atMs);
    expect(xidSignal(dbe, null).gpu).toBe(dbe.pciId);
    db.close();
  });
});
