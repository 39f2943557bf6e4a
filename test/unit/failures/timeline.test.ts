// The failures timeline from recorded rows: real kernel captures through the kernel event store,
// node status changes as the status history writes them, and alerts as the engine lists them.
import { describe, expect, it } from 'vitest';
import type { NodeStatusChange } from '../../../electron/core/bus';
import { alertKind, buildTimeline, MAX_TIMELINE_EVENTS } from '../../../electron/core/failures/timeline';
import { openDatabase } from '../../../electron/core/store/db';
import type { Alert } from '../../../shared/model/alerts';
import { recordCapture } from './failure-fixtures';

const T = Date.UTC(2025, 1, 23, 16, 0, 0);
const NODE = 'gpu-07';
const UUID = 'GPU-2222aaaa-0000-0000-0000-000000000000';
const OTHER = 'GPU-3333aaaa-0000-0000-0000-000000000000';
const GPUS = [
  { key: UUID, pciBusId: '00000000:06:00.0' },
  { key: OTHER, pciBusId: '00000000:07:00.0' },
];

function change(
  atMs: number,
  kind: NodeStatusChange['kind'],
  subject: string,
  state: string,
  previous: string | null,
  message: string | null = null,
): NodeStatusChange {
  return { nodeId: NODE, atMs, kind, subject, state, previous, message };
}

function alert(id: number, ruleId: string, overrides: Partial<Alert> = {}): Alert {
  return {
    id,
    fingerprint: `${ruleId}|${NODE}|${overrides.subject ?? ''}`,
    ruleId,
    nodeId: NODE,
    subject: '',
    gpu: null,
    severity: 'warning',
    state: 'resolved',
    title: ruleId,
    message: `${ruleId} message`,
    labels: {},
    value: null,
    pendingSinceMs: T,
    firedAtMs: T,
    resolvedAtMs: T + 60_000,
    lastActiveAtMs: T + 60_000,
    notifiedAtMs: T,
    ack: null,
    snoozedUntilMs: null,
    silencedBy: null,
    suppressedBy: null,
    flapping: false,
    view: 'resolved',
    ...overrides,
  };
}

describe('buildTimeline', () => {
  it('lays out kernel points, status spans and alert spans of one node in time order', () => {
    const db = openDatabase(':memory:');
    const fallen = recordCapture(db, NODE, 'xid-79-fallen-off-bus.kernel.txt', T + 1000);
    // The capture's own times are of 2024: moved into the window, onto the other GPU.
    const xids = recordCapture(db, NODE, 'xid-48-63-94-dbe-row-remap.dmesg-iso.log', T + 2000).map((e, i) => ({
      ...e,
      atMs: T + 2000 + i,
      recordedMs: T + 2500,
      pciId: '00000000:07:00.0',
    }));
    const nodeEvents = [
      change(T + 500, 'gpu', UUID, 'missing', 'present', 'no longer listed by nvidia-smi (fallen off the bus?)'),
      change(T + 3000, 'node', '', 'unreachable', 'up', 'ssh: connect to host gpu-07.lab port 22: No route to host'),
      change(T + 9000, 'node', '', 'up', 'unreachable'),
      change(T + 9000, 'gpus', '', 'timeout', 'ok', 'nvidia-smi did not answer within 10 s'),
    ];
    const alerts = [
      alert(1, 'gpu-fallen-off-bus', {
        subject: '00000000:06:00.0',
        gpu: UUID,
        severity: 'critical',
        firedAtMs: T + 1500,
        pendingSinceMs: T + 1000,
        resolvedAtMs: null,
      }),
      alert(2, 'gpu-throttle-thermal', { subject: `${OTHER}:hw_thermal_slowdown`, gpu: OTHER, firedAtMs: T + 4000, resolvedAtMs: T + 8000 }),
      alert(3, 'filesystem-full-critical', { subject: '/', severity: 'critical', firedAtMs: T + 5000, resolvedAtMs: null }),
      alert(4, 'node-unreachable', { firedAtMs: T + 3100, pendingSinceMs: T + 3000, resolvedAtMs: T + 9000 }),
      alert(5, 'gpu-temperature-high', { gpu: OTHER, subject: OTHER }),
      alert(6, 'memory-pressure', { firedAtMs: null, resolvedAtMs: T + 100 }),
    ];
    const { events, truncated } = buildTimeline({
      nodeId: NODE,
      fromMs: T,
      toMs: T + 3_600_000,
      kernelEvents: [...fallen, ...xids],
      nodeEvents,
      alerts,
      gpus: GPUS,
    });
    expect(truncated).toBe(false);
    const rows = events.map((e) => [e.kind, e.gpu, e.startMs, e.endMs, e.alertId]);
    expect(rows).toEqual([
      ['gpu-lost', UUID, T + 500, null, 1],
      ['fallen-off-bus', UUID, T + 1000, null, 1],
      ['fallen-off-bus', UUID, T + 1500, null, 1],
      ...xids.map((e) => ['xid', OTHER, e.atMs, null, null]),
      ['unreachable', null, T + 3000, T + 9000, 4],
      ['throttle', OTHER, T + 4000, T + 8000, 2],
      ['host', null, T + 5000, null, 3],
      ['driver', null, T + 9000, null, null],
    ]);
    const point = events[1]!;
    expect(point).toMatchObject({ title: 'Xid 79: GPU has fallen off the bus', severity: 'critical' });
    expect(point.detail).toContain('Recommended action: RESTART_BM.');
    expect(point.raw).toEqual(['NVRM: Xid (PCI:0000:06:00): 79, GPU has fallen off the bus.', 'NVRM: GPU 0000:06:00.0: GPU has fallen off the bus.']);
    const xid48 = events.find((e) => e.title.startsWith('Xid 48'))!;
    expect(xid48.detail).toBe(xids.find((e) => e.xid === 48)!.detail);
    // The same rows seen from a window after the kernel points: the points are left out, open spans are not.
    const later = buildTimeline({ nodeId: NODE, fromMs: T + 10_000, toMs: T + 20_000, kernelEvents: [...fallen, ...xids], nodeEvents, alerts, gpus: GPUS });
    expect(later.events.map((e) => e.kind)).toEqual(['gpu-lost', 'fallen-off-bus', 'host', 'driver']);
    db.close();
  });

  it('filters to one GPU (by UUID or PCI id), keeping the node-wide events', () => {
    const db = openDatabase(':memory:');
    const kernelEvents = recordCapture(db, NODE, 'xid-79-fallen-off-bus.kernel.txt', T + 1000);
    const nodeEvents = [
      change(T + 2000, 'gpu', OTHER, 'missing', 'present'),
      change(T + 3000, 'node', '', 'auth-failed', 'up', 'Permission denied (publickey)'),
    ];
    const input = { nodeId: NODE, fromMs: T, toMs: T + 60_000, kernelEvents, nodeEvents, alerts: [], gpus: GPUS };
    const kinds = (gpu: string) => buildTimeline({ ...input, gpu }).events.map((e) => [e.kind, e.gpu]);
    expect(kinds(UUID)).toEqual([
      ['fallen-off-bus', UUID],
      ['auth-failed', null],
    ]);
    expect(kinds('00000000:07:00.0')).toEqual([
      ['gpu-lost', OTHER],
      ['auth-failed', null],
    ]);
    db.close();
  });

  it('starts a span already open before the window at the window, and leaves out what ended before it', () => {
    const nodeEvents = [change(T + 5000, 'node', '', 'up', 'host-key-mismatch'), change(T + 6000, 'gpu', UUID, 'present', 'missing')];
    const alerts = [alert(9, 'gpu-ecc-dbe', { gpu: UUID, subject: UUID, firedAtMs: T - 10_000, resolvedAtMs: T - 5000 })];
    const { events } = buildTimeline({ nodeId: NODE, fromMs: T, toMs: T + 60_000, kernelEvents: [], nodeEvents, alerts });
    expect(events.map((e) => [e.kind, e.startMs, e.endMs])).toEqual([
      ['gpu-lost', T, T + 6000],
      ['host-key-changed', T, T + 5000],
    ]);
  });

  it('keeps the newest events past the bound and says it cut', () => {
    const nodeEvents = Array.from({ length: MAX_TIMELINE_EVENTS + 50 }, (_, i) =>
      change(T + i * 2, 'node', '', i % 2 === 0 ? 'unreachable' : 'up', i % 2 === 0 ? 'up' : 'unreachable'),
    );
    const many = nodeEvents.concat(nodeEvents.map((c) => ({ ...c, atMs: c.atMs + 1_000_000 })));
    const { events, truncated } = buildTimeline({ nodeId: NODE, fromMs: T, toMs: T + 10_000_000, kernelEvents: [], nodeEvents: many, alerts: [] });
    expect(truncated).toBe(true);
    expect(events).toHaveLength(MAX_TIMELINE_EVENTS);
    expect(events.at(-1)!.startMs).toBe(T + 1_000_000 + (MAX_TIMELINE_EVENTS + 48) * 2);
  });

  it('maps each default rule to its kind, other node alerts to host, and other GPU metric alerts to none', () => {
    const kind = (ruleId: string, gpu: string | null = null) => alertKind({ ruleId, labels: {}, gpu });
    expect(
      ['xid', 'gpu-fallen-off-bus', 'gpu-ecc-uncorrected', 'gpu-ecc-dbe', 'gpu-retired-pages-pending', 'gpu-row-remap-pending', 'gpu-row-remap-failure'].map(
        (id) => kind(id, UUID),
      ),
    ).toEqual(['xid', 'fallen-off-bus', 'ecc', 'ecc', 'retired-pages', 'row-remap', 'row-remap']);
    expect(
      ['gpu-driver-error', 'gpu-throttle-hw-slowdown', 'gpu-throttle-power-brake', 'node-unreachable', 'node-auth-failed', 'node-host-key-changed'].map((id) =>
        kind(id),
      ),
    ).toEqual(['driver', 'throttle', 'throttle', 'unreachable', 'auth-failed', 'host-key-changed']);
    expect(kind('filesystem-full-warning')).toBe('host');
    expect(kind('gpu-temperature-high', UUID)).toBeNull();
    expect(alertKind({ ruleId: 'my-own-rule', labels: { detector: 'gpu-throttle' }, gpu: UUID })).toBe('throttle');
  });
});
