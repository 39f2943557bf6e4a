// FailureDetection over a real SQLite file: the GPU baseline across a reopen, one alert subject for
// the kernel's fallen-off lines and the missing GPU, Xid events on the next tick, evaluated sets.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FailureDetection, MAX_PENDING_XID_EVENTS } from '../../../electron/core/failures/failure-detection';
import { GpuBaselineStore } from '../../../electron/core/failures/gpu-baseline-store';
import { openDatabase } from '../../../electron/core/store/db';
import type { Gpu } from '../../../shared/model/gpu';
import { tempDir } from '../../helpers/tmp';
import { captureGpus, gpuSnapshot, nodeState, recordCapture, timedOutSnapshot, withSlot } from './failure-fixtures';

const T = Date.UTC(2025, 1, 23, 16, 0, 0);
const NODE = 'gpu-07';
const [a5000] = captureGpus('2x-rtx-a5000-drv590-v13.xml') as [Gpu, Gpu];
// A four-GPU node; GPU 2 sits at the PCI id of the real Xid 79 capture (0000:06:00).
const FOUR = [
  withSlot(a5000, 0, '00000000:04:00.0', 'GPU-0000aaaa-0000-0000-0000-000000000000'),
  withSlot(a5000, 1, '00000000:05:00.0', 'GPU-1111aaaa-0000-0000-0000-000000000000'),
  withSlot(a5000, 2, '00000000:06:00.0', 'GPU-2222aaaa-0000-0000-0000-000000000000'),
  withSlot(a5000, 3, '00000000:07:00.0', 'GPU-3333aaaa-0000-0000-0000-000000000000'),
];
const WITHOUT_2 = FOUR.filter((g) => g.index !== 2);
const up = nodeState(NODE, 'up');

const tick = (detection: FailureDetection, t: number, gpus: Gpu[] | null) =>
  detection.detect({ atMs: t, snapshots: gpus === null ? [] : [gpuSnapshot(NODE, t, gpus)], states: [up] });

describe('FailureDetection', () => {
  it('keeps the GPU baseline in SQLite: a GPU gone while the app was down is missed after a restart', () => {
    const file = join(tempDir('cd-failures-'), 'clusterdeck.db');
    let db = openDatabase(file);
    expect(tick(new FailureDetection({ db }), T, FOUR).signals).toEqual([]);
    db.close();

    db = openDatabase(file);
    // Equal last-seen times list in key order; the UUIDs of FOUR are in key order too.
    expect(new GpuBaselineStore(db).list(NODE).map((g) => [g.key, g.pciBusId, g.index, g.firstSeenMs])).toEqual(
      FOUR.map((g) => [g.uuid, g.pciBusId, g.index, T]),
    );
    const result = tick(new FailureDetection({ db }), T + 3_600_000, WITHOUT_2);
    expect(result.signals.map((s) => [s.detector, s.subject, s.gpu])).toEqual([['gpu-fallen-off-bus', '00000000:06:00.0', FOUR[2]!.uuid]]);
    db.close();
  });

  it('makes the kernel lines and the missing GPU one signal with one subject, and clears it when the GPU is back', () => {
    const db = openDatabase(':memory:');
    const detection = new FailureDetection({ db });
    tick(detection, T, FOUR);
    const events = recordCapture(db, NODE, 'xid-79-fallen-off-bus.kernel.txt', T + 2000);
    expect(events.map((e) => [e.kind, e.pciId, e.xid])).toEqual([['fallen-off-bus', '00000000:06:00.0', 79]]);
    detection.addKernelEvents(NODE, events);

    // nvidia-smi hangs on the lost GPU first: the kernel alone says it, the baseline side did not look.
    const hung = detection.detect({ atMs: T + 5000, snapshots: [timedOutSnapshot(NODE, T + 5000)], states: [up] });
    expect(hung.signals.map((s) => [s.subject, s.labels.evidence])).toEqual([['00000000:06:00.0', 'kernel']]);
    expect(hung.evaluated.get(NODE)!.has('gpu-fallen-off-bus')).toBe(false);

    const missing = tick(detection, T + 10_000, WITHOUT_2);
    expect(missing.signals).toHaveLength(1);
    expect(missing.signals[0]).toMatchObject({
      detector: 'gpu-fallen-off-bus',
      subject: '00000000:06:00.0',
      gpu: FOUR[2]!.uuid,
      labels: { evidence: 'kernel+missing' },
    });
    // Xid 79 is the fallen-off-bus alert, not an xid one too.
    expect(missing.signals.filter((s) => s.detector === 'xid')).toEqual([]);

    expect(tick(detection, T + 15_000, FOUR).signals).toEqual([]);
    expect(tick(detection, T + 20_000, FOUR).signals).toEqual([]);
    db.close();
  });

  it('after a restart, a current-boot fallen-off event whose GPU is still gone is a failure; listed again, it is over', () => {
    const file = join(tempDir('cd-failures-'), 'clusterdeck.db');
    const db = openDatabase(file);
    const events = recordCapture(db, NODE, 'fallen-off-bus-multiline-no-xid.dmesg.txt', T);
    const detection = new FailureDetection({ db });
    detection.loadBootEvents(NODE, events);
    const gone = tick(detection, T + 1000, FOUR);
    expect(gone.signals.map((s) => [s.detector, s.subject, s.labels.evidence])).toEqual([['gpu-fallen-off-bus', '00000000:B3:00.0', 'kernel']]);
    const back = [...FOUR, withSlot(a5000, 4, '00000000:B3:00.0', 'GPU-4444aaaa-0000-0000-0000-000000000000')];
    expect(tick(detection, T + 2000, back).signals).toEqual([]);
    db.close();
  });

  it('turns each recorded Xid (not 79) into one event signal on the next tick only', () => {
    const db = openDatabase(':memory:');
    const detection = new FailureDetection({ db });
    const events = recordCapture(db, NODE, 'xid-48-63-94-dbe-row-remap.dmesg-iso.log', T);
    const xids = events.filter((e) => e.kind === 'xid');
    expect(xids.length).toBeGreaterThan(0);
    detection.addKernelEvents(NODE, events);
    const first = tick(detection, T + 1000, null);
    const signals = first.signals.filter((s) => s.detector === 'xid');
    expect(signals.map((s) => s.subject)).toEqual(xids.map((e) => `${e.pciId}:xid:${e.xid}`));
    expect(signals.every((s) => s.labels.xid === s.subject.split(':xid:')[1])).toBe(true);
    expect(first.evaluated.get(NODE)!.has('xid')).toBe(true);
    expect(tick(detection, T + 2000, null).signals.filter((s) => s.detector === 'xid')).toEqual([]);
    db.close();
  });

  it('bounds the Xid events held between ticks', () => {
    const db = openDatabase(':memory:');
    const detection = new FailureDetection({ db });
    const [event] = recordCapture(db, NODE, 'xid-48-63-94-dbe-row-remap.dmesg-iso.log', T).filter((e) => e.kind === 'xid');
    detection.addKernelEvents(
      NODE,
      Array.from({ length: MAX_PENDING_XID_EVENTS + 10 }, (_, i) => ({ ...event!, id: i })),
    );
    expect(tick(detection, T, null).signals.filter((s) => s.detector === 'xid')).toHaveLength(MAX_PENDING_XID_EVENTS);
    db.close();
  });

  it('says per node which detectors looked', () => {
    const db = openDatabase(':memory:');
    const detection = new FailureDetection({ db });
    const result = detection.detect({
      atMs: T,
      snapshots: [gpuSnapshot('ok-node', T, FOUR), timedOutSnapshot('hung-node', T)],
      states: [
        nodeState('ok-node', 'up'),
        nodeState('hung-node', 'up'),
        nodeState('down-node', 'unreachable', 'No route to host'),
        nodeState('new-node', 'connecting'),
      ],
    });
    const looked = (id: string) => [...result.evaluated.get(id)!].sort();
    const nodeDetectors = ['node-auth-failed', 'node-host-key-changed', 'node-unreachable'];
    expect(looked('ok-node')).toEqual(
      [
        ...nodeDetectors,
        'gpu-driver-error',
        'gpu-ecc-dbe',
        'gpu-ecc-uncorrected',
        'gpu-fallen-off-bus',
        'gpu-retired-pages-pending',
        'gpu-row-remap-failure',
        'gpu-row-remap-pending',
        'gpu-throttle',
        'xid',
      ].sort(),
    );
    expect(looked('hung-node')).toEqual([...nodeDetectors, 'xid'].sort());
    expect(looked('down-node')).toEqual([...nodeDetectors, 'xid'].sort());
    expect(looked('new-node')).toEqual(['xid']);
    expect(result.signals.map((s) => [s.nodeId, s.detector])).toEqual([['down-node', 'node-unreachable']]);
    db.close();
  });

  it('forgets a GPU replaced in its slot, and a node that left the inventory keeps its baseline only in SQLite', () => {
    const db = openDatabase(':memory:');
    const detection = new FailureDetection({ db });
    tick(detection, T, FOUR);
    const swapped = FOUR.map((g) => (g.index === 2 ? { ...g, uuid: 'GPU-new-board' } : g));
    expect(tick(detection, T + 1000, swapped).signals).toEqual([]);
    expect(new GpuBaselineStore(db).list(NODE).map((g) => g.key)).not.toContain(FOUR[2]!.uuid);
    expect(tick(detection, T + 2000, swapped).signals).toEqual([]);

    detection.detect({ atMs: T + 3000, snapshots: [], states: [] });
    expect(tick(detection, T + 4000, WITHOUT_2).signals.map((s) => s.gpu)).toEqual(['GPU-new-board']);
    detection.forgetNode(NODE, { baseline: true });
    expect(new GpuBaselineStore(db).list(NODE)).toEqual([]);
    db.close();
  });
});
