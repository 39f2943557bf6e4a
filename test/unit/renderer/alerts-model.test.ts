import { describe, expect, it } from 'vitest';
import {
  alertDurationText,
  alertsHash,
  countByView,
  DEFAULT_ALERT_FILTER,
  describeMatchers,
  durationText,
  filterAlerts,
  gpuBadge,
  gpuLabel,
  groupAlerts,
  navBadge,
  nodeBadge,
  nodeGpuBadge,
  parseAlertsHash,
  silenceMatchersFor,
  sortAlerts,
  transitionText,
} from '../../../renderer/src/alerts/model';
import { alertCellsKey, heatmapGroups, tooltipText } from '../../../renderer/src/fleet/heatmap/model';
import type { GpuReading } from '../../../renderer/src/fleet/records';
import type { FleetRow } from '../../../renderer/src/fleet/rows';
import type { Alert, AlertSummary } from '../../../shared/model/alerts';

let nextId = 1;
function alert(overrides: Partial<Alert> = {}): Alert {
  const id = overrides.id ?? nextId++;
  return {
    id,
    fingerprint: `fp-${id}`,
    ruleId: 'gpu-temp-high',
    nodeId: 'gpu-a',
    subject: '',
    gpu: null,
    severity: 'warning',
    state: 'firing',
    title: 'GPU too hot',
    message: 'GPU 0 at 91 °C',
    labels: {},
    value: null,
    pendingSinceMs: 1_000,
    firedAtMs: 2_000,
    resolvedAtMs: null,
    lastActiveAtMs: 3_000,
    notifiedAtMs: 2_000,
    ack: null,
    snoozedUntilMs: null,
    silencedBy: null,
    suppressedBy: null,
    flapping: false,
    view: 'firing',
    ...overrides,
  };
}

const summary = (overrides: Partial<AlertSummary> = {}): AlertSummary => ({
  firing: { critical: 0, warning: 0, info: 0 },
  pending: 0,
  worst: null,
  nodes: {},
  gpus: {},
  ...overrides,
});

describe('filtering alerts', () => {
  const xid = alert({
    ruleId: 'xid',
    title: 'GPU Xid error',
    message: 'Xid 79: GPU has fallen off the bus. Reset the GPU or reboot.',
    severity: 'critical',
    nodeId: 'gpu-b',
    gpu: 'GPU-1111',
    labels: { xid: '79' },
  });
  const hot = alert({ severity: 'warning', nodeId: 'gpu-a', gpu: 'GPU-2222' });
  const acked = alert({ view: 'acknowledged', severity: 'critical', nodeId: 'gpu-a', ack: { by: 'ana', atMs: 5, comment: 'on it' } });
  const old = alert({ view: 'resolved', state: 'resolved', severity: 'info', nodeId: 'gpu-c', resolvedAtMs: 9_000 });
  const all = [xid, hot, acked, old];

  it('keeps the tab, severities, node, GPU and text asked for', () => {
    expect(filterAlerts(all, DEFAULT_ALERT_FILTER)).toEqual(all);
    expect(filterAlerts(all, { ...DEFAULT_ALERT_FILTER, tab: 'firing' })).toEqual([xid, hot]);
    expect(filterAlerts(all, { ...DEFAULT_ALERT_FILTER, severities: ['critical'] })).toEqual([xid, acked]);
    expect(filterAlerts(all, { ...DEFAULT_ALERT_FILTER, nodeId: 'gpu-a' })).toEqual([hot, acked]);
    expect(filterAlerts(all, { ...DEFAULT_ALERT_FILTER, gpu: 'GPU-1111' })).toEqual([xid]);
    expect(filterAlerts(all, { ...DEFAULT_ALERT_FILTER, tab: 'acknowledged', nodeId: 'gpu-b' })).toEqual([]);
  });

  it('searches title, decoded message, labels and node, case-insensitively', () => {
    expect(filterAlerts(all, { ...DEFAULT_ALERT_FILTER, text: 'FALLEN off' })).toEqual([xid]);
    expect(filterAlerts(all, { ...DEFAULT_ALERT_FILTER, text: '79' })).toEqual([xid]);
    expect(filterAlerts(all, { ...DEFAULT_ALERT_FILTER, text: 'gpu-c' })).toEqual([old]);
    expect(filterAlerts(all, { ...DEFAULT_ALERT_FILTER, text: '   ' })).toEqual(all);
  });

  it('counts each tab after the other filters', () => {
    expect(countByView(all, { ...DEFAULT_ALERT_FILTER, nodeId: 'gpu-a' })).toEqual({
      all: 2,
      firing: 1,
      pending: 0,
      acknowledged: 1,
      silenced: 0,
      resolved: 0,
    });
  });
});

describe('sorting and grouping', () => {
  it('puts open before closed, then the worst severity, then the newest', () => {
    const resolvedCritical = alert({ view: 'resolved', state: 'resolved', severity: 'critical', resolvedAtMs: 50_000 });
    const oldWarning = alert({ severity: 'warning', firedAtMs: 1_000 });
    const newWarning = alert({ severity: 'warning', firedAtMs: 9_000 });
    const critical = alert({ severity: 'critical', firedAtMs: 500 });
    const pendingCritical = alert({ view: 'pending', state: 'pending', severity: 'critical', firedAtMs: null, pendingSinceMs: 9_500 });
    const info = alert({ severity: 'info', firedAtMs: 10_000 });
    const sorted = sortAlerts([resolvedCritical, oldWarning, info, pendingCritical, newWarning, critical]);
    expect(sorted).toEqual([critical, newWarning, oldWarning, info, pendingCritical, resolvedCritical]);
  });

  it('groups by node, worst open group first; a group of resolved alerts comes last', () => {
    const a1 = alert({ nodeId: 'a', severity: 'warning' });
    const b1 = alert({ nodeId: 'b', severity: 'info' });
    const b2 = alert({ nodeId: 'b', severity: 'critical' });
    const c1 = alert({ nodeId: 'c', severity: 'critical', view: 'resolved', state: 'resolved', resolvedAtMs: 5 });
    const groups = groupAlerts([a1, b1, c1, b2], 'node');
    expect(groups.map((g) => [g.key, g.worst, g.open, g.alerts.map((x) => x.id)])).toEqual([
      ['b', 'critical', 2, [b2.id, b1.id]],
      ['a', 'warning', 1, [a1.id]],
      ['c', 'critical', 0, [c1.id]],
    ]);
  });

  it("groups by rule under the rule's name; a resolved critical does not make an open group critical", () => {
    const open = alert({ ruleId: 'r1', title: 'Disk full', severity: 'info' });
    const closed = alert({ ruleId: 'r1', title: 'Disk full', severity: 'critical', view: 'resolved', state: 'resolved', resolvedAtMs: 5 });
    const [group] = groupAlerts([closed, open], 'rule');
    expect(group).toMatchObject({ key: 'r1', label: 'Disk full', worst: 'info', open: 1 });
  });
});

describe('durations', () => {
  it('says a duration in at most two units', () => {
    expect(durationText(-5)).toBe('0 s');
    expect(durationText(45_900)).toBe('45 s');
    expect(durationText(3 * 60_000 + 59_000)).toBe('3 min');
    expect(durationText(2 * 3_600_000)).toBe('2 h');
    expect(durationText(2 * 3_600_000 + 5 * 60_000)).toBe('2 h 5 min');
    expect(durationText(3 * 86_400_000)).toBe('3 d');
    expect(durationText(3 * 86_400_000 + 4 * 3_600_000 + 59 * 60_000)).toBe('3 d 4 h');
  });

  it('says how long an alert has been firing or pending, or how long it lasted', () => {
    expect(alertDurationText(alert({ firedAtMs: 60_000 }), 60_000 + 5 * 60_000)).toBe('firing for 5 min');
    expect(alertDurationText(alert({ state: 'pending', view: 'pending', firedAtMs: null, pendingSinceMs: 0 }), 30_000)).toBe('pending for 30 s');
    expect(alertDurationText(alert({ state: 'resolved', view: 'resolved', firedAtMs: 0, resolvedAtMs: 3_600_000 }), 3_600_000 + 120_000)).toBe(
      'lasted 1 h, resolved 2 min ago',
    );
  });

  it('writes transitions with their actor and note', () => {
    expect(transitionText({ atMs: 1, from: 'pending', to: 'firing', actor: null, note: null })).toBe('pending → firing');
    expect(transitionText({ atMs: 1, from: 'firing', to: 'acknowledged', actor: 'ana', note: 'on it' })).toBe('firing → acknowledged by ana: on it');
    expect(transitionText({ atMs: 1, from: null, to: 'pending', actor: null, note: null })).toBe('pending');
  });
});

describe('the #/alerts route', () => {
  it('reads an alert id, a node and a GPU from the hash', () => {
    expect(parseAlertsHash('#/alerts')).toEqual({ alertId: null, nodeId: null, gpu: null });
    expect(parseAlertsHash('#/alerts/42')).toEqual({ alertId: 42, nodeId: null, gpu: null });
    expect(parseAlertsHash('#alerts/7/')).toEqual({ alertId: 7, nodeId: null, gpu: null });
    expect(parseAlertsHash('#/alerts?node=gpu-a&gpu=GPU-1%2F2')).toEqual({ alertId: null, nodeId: 'gpu-a', gpu: 'GPU-1/2' });
  });

  it('is not an alerts route otherwise', () => {
    for (const hash of ['', '#', '#/fleet', '#/alerts/abc', '#/alerts/0x1', '#/alertsx', `#/alerts?node=${'x'.repeat(3000)}`]) {
      expect(parseAlertsHash(hash), hash).toBeNull();
    }
    expect(parseAlertsHash('#/alerts/0')).toEqual({ alertId: null, nodeId: null, gpu: null });
  });

  it('round-trips through alertsHash', () => {
    for (const route of [
      { alertId: 12, nodeId: null, gpu: null },
      { alertId: null, nodeId: 'node with space&amp', gpu: '00000000:9B:00.0' },
      { alertId: null, nodeId: null, gpu: null },
    ]) {
      expect(parseAlertsHash(alertsHash(route))).toEqual(route);
    }
    expect(alertsHash({ alertId: 3 })).toBe('#/alerts/3');
    expect(alertsHash({ nodeId: 'gpu-a' })).toBe('#/alerts?node=gpu-a');
  });
});

describe('silence matchers', () => {
  it('prefills node, GPU and rule as ticked; no GPU matcher for a node alert', () => {
    const gpuAlert = alert({ nodeId: 'gpu-a', gpu: 'GPU-1', ruleId: 'xid' });
    expect(silenceMatchersFor(gpuAlert, new Set(['node', 'gpu', 'rule']))).toEqual([
      { label: 'node', value: 'gpu-a', regex: false },
      { label: 'gpu', value: 'GPU-1', regex: false },
      { label: 'rule', value: 'xid', regex: false },
    ]);
    expect(silenceMatchersFor(alert({ gpu: null }), new Set(['gpu']))).toEqual([]);
    expect(describeMatchers([...silenceMatchersFor(gpuAlert, new Set(['node', 'rule'])), { label: 'xid', value: '4[38]', regex: true }])).toBe(
      'node=gpu-a, rule=xid, xid=~4[38]',
    );
  });
});

describe('badges from the summary', () => {
  it('counts firing alerts coloured by the worst one nobody has acknowledged or silenced', () => {
    expect(navBadge(null)).toBeNull();
    expect(navBadge(summary())).toBeNull();
    expect(navBadge(summary({ firing: { critical: 0, warning: 2, info: 1 }, worst: 'warning' }))).toEqual({
      worst: 'warning',
      count: 3,
      quiet: false,
      title: '3 firing: 2 warning, 1 info',
    });
    // The critical one is acknowledged: the warning colours the count.
    expect(navBadge(summary({ firing: { critical: 1, warning: 1, info: 0 }, worst: 'warning' }))).toMatchObject({ worst: 'warning', count: 2, quiet: false });
    expect(navBadge(summary({ firing: { critical: 1, warning: 0, info: 0 }, worst: null }))).toMatchObject({
      worst: 'critical',
      quiet: true,
      title: '1 firing: 1 critical (all acknowledged, snoozed or silenced)',
    });
  });

  it('finds a node and a GPU by any of its keys', () => {
    const s = summary({
      nodes: { 'gpu-a': { worst: 'critical', count: 2 }, idle: { worst: 'info', count: 0 } },
      gpus: { '00000000:9B:00.0': { worst: 'critical', count: 1, title: 'GPU fallen off the bus' } },
    });
    expect(nodeBadge(s, 'gpu-a')).toMatchObject({ worst: 'critical', count: 2 });
    expect(nodeBadge(s, 'idle')).toBeNull();
    expect(nodeBadge(s, 'other')).toBeNull();
    expect(gpuBadge(s, ['GPU-9', null, '00000000:9B:00.0'])).toEqual({ worst: 'critical', count: 1, title: 'GPU fallen off the bus', key: '00000000:9B:00.0' });
    expect(gpuBadge(s, ['GPU-9'])).toBeNull();
    expect(gpuBadge(null, ['GPU-9'])).toBeNull();
  });

  it("takes a GPU's PCI bus id only on a node with firing alerts (PCI ids repeat across nodes)", () => {
    const s = summary({
      nodes: { 'gpu-a': { worst: 'critical', count: 1 } },
      gpus: {
        '00000000:9B:00.0': { worst: 'critical', count: 1, title: 'GPU fallen off the bus' },
        'GPU-7': { worst: 'warning', count: 1, title: 'GPU too hot' },
      },
    });
    const pciOnly = { uuid: 'GPU-1', key: 'GPU-1', pciBusId: '00000000:9B:00.0' };
    expect(nodeGpuBadge(s, 'gpu-a', pciOnly)?.key).toBe('00000000:9B:00.0');
    expect(nodeGpuBadge(s, 'gpu-b', pciOnly)).toBeNull();
    expect(nodeGpuBadge(s, 'gpu-b', { uuid: 'GPU-7', key: 'GPU-7', pciBusId: null })).toMatchObject({ worst: 'warning', key: 'GPU-7' });
  });
});

describe('GPU names', () => {
  it('names a GPU by its index when the labels give it, else by its key', () => {
    expect(gpuLabel({ gpu: 'GPU-1', labels: { gpu_index: '3' } })).toBe('GPU 3');
    expect(gpuLabel({ gpu: '00000000:9B:00.0', labels: {} })).toBe('00000000:9B:00.0');
    expect(gpuLabel({ gpu: null, labels: { gpu_index: '3' } })).toBeNull();
  });
});

describe('the heatmap marks GPUs with firing alerts', () => {
  const cell = (key: string, index: number): GpuReading => ({
    key,
    index,
    name: 'NVIDIA H100',
    uuid: key,
    utilPct: 50,
    tempC: 60,
    memUsedMib: 1,
    memTotalMib: 2,
    powerW: 3,
  });
  const row = (id: string, gpus: GpuReading[]): FleetRow => ({
    id,
    kind: 'ssh',
    status: 'up',
    since: null,
    lastError: null,
    address: null,
    labels: [],
    missing: [],
    notes: [],
    hostKey: null,
    passphraseFor: null,
    hostname: id,
    data: {
      id,
      hostname: id,
      collectedAt: 1000,
      cpuPct: null,
      memPct: null,
      worstDisk: null,
      gpus,
      gpuUtilMean: null,
      gpuState: 'ok',
      gpusUnread: false,
      source: 'snapshot',
    },
  });
  const rows = [row('a', [cell('GPU-a0', 0), cell('GPU-a1', 1)]), row('b', [cell('GPU-b0', 0)])];

  it('gives each cell its alert, and the tooltip says it first', () => {
    const s = summary({ gpus: { 'GPU-a1': { worst: 'critical', count: 2, title: 'GPU fallen off the bus' } } });
    const groups = heatmapGroups(rows, 1000, 5000, s);
    expect(alertCellsKey(groups)).toBe('a:GPU-a1');
    expect(groups[1]!.alerts).toBeUndefined();
    expect(tooltipText(groups[0]!, 1).lines[0]).toBe('Alert (critical): GPU fallen off the bus and 1 more');
    expect(tooltipText(groups[0]!, 0).lines[0]).toMatch(/^Util/);
  });

  it('marks nothing without a summary or without GPU alerts', () => {
    expect(alertCellsKey(heatmapGroups(rows, 1000, 5000))).toBe('');
    expect(alertCellsKey(heatmapGroups(rows, 1000, 5000, summary({ nodes: { a: { worst: 'info', count: 1 } } })))).toBe('');
  });
});
