import { describe, expect, it } from 'vitest';
import { alertLine, alertsTable } from '../../../electron/server/commands/alert-text';
import type { Alert } from '../../../shared/model/alerts';

const FIRED_AT = Date.UTC(2026, 11, 1, 8, 30, 5);

const alert = (over: Partial<Alert> = {}): Alert => ({
  id: 12,
  fingerprint: 'f',
  ruleId: 'gpu-fallen-off-bus',
  nodeId: 'gpu-07',
  subject: '00000000:9B:00.0',
  gpu: '00000000:9B:00.0',
  severity: 'critical',
  state: 'firing',
  title: 'GPU fallen off the bus',
  message: 'Xid 79\u001b[2J: drain the node\u202e',
  labels: {},
  value: null,
  pendingSinceMs: FIRED_AT,
  firedAtMs: FIRED_AT,
  resolvedAtMs: null,
  lastActiveAtMs: FIRED_AT,
  notifiedAtMs: null,
  ack: null,
  snoozedUntilMs: null,
  silencedBy: null,
  suppressedBy: null,
  flapping: false,
  view: 'firing',
  ...over,
});

describe('alerts as terminal text', () => {
  it('one line per new alert or change of view, node text escaped', () => {
    expect(alertLine(alert(), null)).toBe(
      '2026-12-01 08:30:05Z  FIRING  critical  #12 gpu-07 00000000:9B:00.0 gpu-fallen-off-bus: GPU fallen off the bus: Xid 79\\x1b[2J: drain the node\\u202e',
    );
    const acked = alert({ view: 'acknowledged', ack: { by: 'bob\u0007', atMs: FIRED_AT + 60_000, comment: null } });
    expect(alertLine(acked, 'firing')).toMatch(/^2026-12-01 08:31:05Z {2}FIRING -> ACKNOWLEDGED \(by bob\\x07\) {2}critical {2}#12 /);
  });

  it('a table: aligned columns, the decoded text and the acknowledgement below each row', () => {
    const text = alertsTable([
      alert(),
      alert({ id: 3, nodeId: 'n'.repeat(60), gpu: null, view: 'resolved', state: 'resolved', resolvedAtMs: FIRED_AT + 1000 }),
    ]);
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^ID {2}STATE {5}SEVERITY {2}NODE {38}GPU {15}RULE {16}SINCE {17}RESOLVED$/);
    expect(lines[1]).toMatch(/^12 {2}firing {4}critical {2}gpu-07 +00000000:9B:00.0 {2}gpu-fallen-off-bus {2}2026-12-01 08:30:05Z {2}-$/);
    expect(lines[2]).toBe('    GPU fallen off the bus: Xid 79\\x1b[2J: drain the node\\u202e');
    expect(lines[3]).toMatch(/^3 {3}resolved .*n{39}… +- +gpu-fallen-off-bus {2}2026-12-01 08:30:05Z {2}2026-12-01 08:30:06Z$/);
    expect(alertsTable([])).toBe('no alerts\n');
  });
});
