import { describe, expect, it } from 'vitest';
import type { FailureEvent } from '../../../shared/model/alerts';
import {
  buildLanes,
  clipToWindow,
  describeMark,
  isSpan,
  laneIdOf,
  layoutTimeline,
  MIN_SPAN_PX,
  NODE_LANE,
  normalisePciId,
  pixelOf,
  type LaneGpu,
} from '../../../renderer/src/failures/model';

const GPU0: LaneGpu = {
  key: 'GPU-0b6b7808-c002-f593-ac86-cd8e57757b94',
  index: 0,
  uuid: 'GPU-0b6b7808-c002-f593-ac86-cd8e57757b94',
  pciBusId: '00000000:06:00.0',
};
const GPU1: LaneGpu = {
  key: 'GPU-11111111-2222-3333-4444-555555555555',
  index: 1,
  uuid: 'GPU-11111111-2222-3333-4444-555555555555',
  pciBusId: '00000000:9B:00.0',
};
const WINDOW = { fromMs: 1_000_000, toMs: 1_600_000 };

function event(overrides: Partial<FailureEvent>): FailureEvent {
  return {
    kind: 'xid',
    nodeId: 'gpu-07',
    gpu: null,
    startMs: 1_300_000,
    endMs: null,
    severity: 'critical',
    title: 'Xid 79: GPU has fallen off the bus',
    detail: 'The GPU is no longer reachable over PCIe.',
    raw: ['NVRM: Xid (PCI:0000:06:00): 79, GPU has fallen off the bus.'],
    alertId: null,
    ...overrides,
  };
}

describe('failures timeline lanes', () => {
  it('matches the kernel PCI id form to the nvidia-smi one', () => {
    expect(normalisePciId('PCI:0000:06:00')).toBe('0000:06:00');
    expect(normalisePciId('0000:9b:00')).toBe('0000:9b:00');
    expect(normalisePciId('00000000:9B:00.0')).toBe('0000:9b:00');
    expect(normalisePciId('not a pci id')).toBeNull();
  });

  it('puts an event on its GPU lane whether it names the GPU by UUID or PCI id, else on the node lane', () => {
    const gpus = [GPU0, GPU1];
    expect(laneIdOf({ gpu: GPU1.uuid }, gpus)).toBe(GPU1.key);
    expect(laneIdOf({ gpu: '0000:9b:00' }, gpus)).toBe(GPU1.key);
    expect(laneIdOf({ gpu: '00000000:06:00.0' }, gpus)).toBe(GPU0.key);
    expect(laneIdOf({ gpu: null }, gpus)).toBe(NODE_LANE);
    expect(laneIdOf({ gpu: '' }, gpus)).toBe(NODE_LANE);
  });

  it('lists the node, the GPUs in index order, then a GPU the snapshot lost', () => {
    const lanes = buildLanes([GPU1, GPU0], [{ gpu: 'GPU-deadbeef-0000-0000-0000-000000000000' }, { gpu: GPU0.uuid }, { gpu: '0000:3b:00' }]);
    expect(lanes.map((l) => l.label)).toEqual(['Node', 'GPU 0', 'GPU 1', 'GPU GPU-deadbeef…', 'GPU 3b:00']);
    expect(lanes[3]!.gpu).toBe('GPU-deadbeef-0000-0000-0000-000000000000');
  });

  it("keeps only the chosen GPU's lane under the per-GPU filter", () => {
    const lanes = buildLanes([GPU0, GPU1], [], GPU1.key);
    expect(lanes).toEqual([{ id: GPU1.key, label: 'GPU 1', gpu: GPU1.key }]);
  });
});

describe('failures timeline time mapping', () => {
  it('tells points from spans: a kernel Xid is a point, an open unreachable span or firing alert runs on, an ended span is a span', () => {
    const kernel = { raw: ['NVRM: Xid (PCI:0000:06:00): 79, GPU has fallen off the bus.'], alertId: 4 };
    const alert = { raw: [], alertId: 4 };
    expect(isSpan({ kind: 'xid', startMs: 1, endMs: null, ...kernel })).toBe(false);
    expect(isSpan({ kind: 'fallen-off-bus', startMs: 1, endMs: null, ...kernel })).toBe(false);
    expect(isSpan({ kind: 'fallen-off-bus', startMs: 1, endMs: null, ...alert })).toBe(true);
    expect(isSpan({ kind: 'ecc', startMs: 1, endMs: null, raw: [], alertId: null })).toBe(false);
    expect(isSpan({ kind: 'unreachable', startMs: 1, endMs: null, raw: [], alertId: null })).toBe(true);
    expect(isSpan({ kind: 'xid', startMs: 1, endMs: 5, ...kernel })).toBe(true);
    expect(isSpan({ kind: 'throttle', startMs: 5, endMs: 5, ...alert })).toBe(false);
  });

  it('clips spans to the window, runs an open one to its end, and drops what lies outside', () => {
    const none = { raw: [], alertId: null };
    expect(clipToWindow({ kind: 'unreachable', startMs: 900_000, endMs: 1_100_000, ...none }, WINDOW)).toEqual({ startMs: 1_000_000, endMs: 1_100_000 });
    expect(clipToWindow({ kind: 'unreachable', startMs: 1_500_000, endMs: null, ...none }, WINDOW)).toEqual({ startMs: 1_500_000, endMs: 1_600_000 });
    expect(clipToWindow({ kind: 'ecc', startMs: 1_500_000, endMs: null, raw: [], alertId: 9 }, WINDOW)).toEqual({ startMs: 1_500_000, endMs: 1_600_000 });
    expect(clipToWindow({ kind: 'throttle', startMs: 100, endMs: 999_999, ...none }, WINDOW)).toBeNull();
    expect(clipToWindow({ kind: 'xid', startMs: 999_999, endMs: null, ...none }, WINDOW)).toBeNull();
    expect(clipToWindow({ kind: 'xid', startMs: 1_000_000, endMs: null, ...none }, WINDOW)).toEqual({ startMs: 1_000_000, endMs: 1_000_000 });
  });

  it('maps time to pixels across the plot width', () => {
    expect(pixelOf(1_000_000, WINDOW, 600)).toBe(0);
    expect(pixelOf(1_300_000, WINDOW, 600)).toBe(300);
    expect(pixelOf(1_600_000, WINDOW, 600)).toBe(600);
    expect(pixelOf(5, { fromMs: 10, toMs: 10 }, 600)).toBe(0);
  });
});

describe('failures timeline layout', () => {
  it('draws an Xid as a point on its GPU lane and an unreachable span as a bar on the node lane', () => {
    const xid = event({ gpu: GPU0.uuid, startMs: 1_300_000, alertId: 7 });
    const down = event({ kind: 'unreachable', severity: 'warning', startMs: 1_100_000, endMs: 1_200_000, title: 'Node unreachable', raw: [] });
    const layout = layoutTimeline([xid, down], [GPU0, GPU1], WINDOW, 600);
    expect(layout.shown).toBe(2);
    const [node, gpu0, gpu1] = layout.lanes;
    expect(node!.marks).toMatchObject([{ shape: 'span', kind: 'unreachable', severity: 'warning', x: 100, width: 100, ongoing: false }]);
    expect(gpu0!.marks).toMatchObject([{ shape: 'point', kind: 'xid', severity: 'critical', x: 300, width: 0 }]);
    expect(gpu0!.marks[0]!.events).toEqual([xid]);
    expect(gpu1!.marks).toEqual([]);
  });

  it('merges overlapping spans of one kind, keeping the worst severity, but not spans of different kinds', () => {
    const a = event({ kind: 'throttle', gpu: GPU0.uuid, severity: 'info', startMs: 1_100_000, endMs: 1_250_000 });
    const b = event({ kind: 'throttle', gpu: GPU0.uuid, severity: 'warning', startMs: 1_200_000, endMs: 1_300_000 });
    const c = event({ kind: 'throttle', gpu: GPU0.uuid, severity: 'info', startMs: 1_400_000, endMs: 1_450_000 });
    const d = event({ kind: 'gpu-lost', gpu: GPU0.uuid, severity: 'critical', startMs: 1_200_000, endMs: null });
    const marks = layoutTimeline([c, b, a, d], [GPU0], WINDOW, 600).lanes[1]!.marks;
    expect(marks.map((m) => [m.kind, m.startMs, m.endMs, m.severity, m.events.length, m.ongoing])).toEqual([
      ['throttle', 1_100_000, 1_300_000, 'warning', 2, false],
      ['gpu-lost', 1_200_000, 1_600_000, 'critical', 1, true],
      ['throttle', 1_400_000, 1_450_000, 'info', 1, false],
    ]);
  });

  it('gives a very short span a visible width', () => {
    const blip = event({ kind: 'throttle', startMs: 1_300_000, endMs: 1_300_001 });
    expect(layoutTimeline([blip], [], WINDOW, 600).lanes[0]!.marks[0]!.width).toBe(MIN_SPAN_PX);
  });

  it('joins points a few pixels apart into one marker with the worst severity, and keeps distant ones apart', () => {
    const first = event({ kind: 'ecc', severity: 'warning', startMs: 1_300_000 });
    const near = event({ kind: 'xid', severity: 'critical', startMs: 1_303_000 });
    const far = event({ kind: 'xid', severity: 'info', startMs: 1_500_000 });
    const marks = layoutTimeline([far, near, first], [], WINDOW, 600).lanes[0]!.marks;
    expect(marks).toHaveLength(2);
    expect(marks[0]).toMatchObject({ shape: 'point', kind: 'xid', severity: 'critical', startMs: 1_300_000 });
    expect(marks[0]!.events).toEqual([first, near]);
    expect(marks[1]!.events).toEqual([far]);
  });

  it('leaves out events outside the window and lanes the filter hides', () => {
    const old = event({ gpu: GPU0.uuid, startMs: 10 });
    const other = event({ gpu: GPU1.uuid });
    const mine = event({ gpu: GPU0.uuid });
    const layout = layoutTimeline([old, other, mine], [GPU0, GPU1], WINDOW, 600, GPU0.key);
    expect(layout.lanes.map((l) => l.lane.id)).toEqual([GPU0.key]);
    expect(layout.shown).toBe(1);
  });

  it('describes a mark in one line', () => {
    const span = layoutTimeline([event({ kind: 'unreachable', title: 'Node unreachable', severity: 'warning', startMs: 1_100_000 })], [], WINDOW, 600).lanes[0]!
      .marks[0]!;
    expect(describeMark(span, (ms) => String(ms / 1000))).toBe('Node unreachable · warning · 1100–now');
  });
});
