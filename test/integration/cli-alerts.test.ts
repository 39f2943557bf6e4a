// `clusterdeck alerts list` and `alerts ack`: the built CLI reads and acknowledges the alerts kept
// in a real SQLite file, collecting nothing. The alerts are written by the alert engine's own
// store, as a run of the engine would have left them.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AlertStore } from '../../electron/core/alerts/alert-store';
import { openDatabase } from '../../electron/core/store/db';
import { AlertSchema } from '../../shared/model/alerts';
import { runCli } from '../helpers/cli';
import { tempDir } from '../helpers/tmp';

const GPU = 'GPU-5c3fa7e2-1b7d-4c2a-9d3e-8f1a2b3c4d5e';
const FIRED_AT = Date.UTC(2026, 11, 1, 8, 30, 5);

/** A database holding one firing alert (its text carries a terminal escape from the node) and one resolved. */
function seeded(): string {
  const dbPath = join(tempDir(), 'alerts.db');
  const db = openDatabase(dbPath);
  try {
    const store = new AlertStore(db);
    const common = {
      subject: GPU,
      gpu: GPU,
      labels: { node: 'gpu-07', gpu: GPU },
      value: null,
      notifiedAtMs: null,
      silencedBy: null,
      suppressedBy: null,
      flapping: false,
      flapHistory: [],
    };
    store.insert({
      ...common,
      fingerprint: 'gpu-fallen-off-bus/gpu-07/gpu',
      ruleId: 'gpu-fallen-off-bus',
      nodeId: 'gpu-07',
      severity: 'critical',
      state: 'firing',
      title: 'GPU fallen off the bus',
      message: 'Xid 79: GPU has fallen off the bus. Action: drain the node and reseat \u001b]0;pwned\u0007the GPU',
      pendingSinceMs: FIRED_AT,
      firedAtMs: FIRED_AT,
      resolvedAtMs: null,
      lastActiveAtMs: FIRED_AT,
    });
    store.insert({
      ...common,
      fingerprint: 'gpu-temperature/gpu-07/gpu',
      ruleId: 'gpu-temperature-high',
      nodeId: 'gpu-07',
      severity: 'warning',
      state: 'resolved',
      title: 'GPU hot',
      message: 'GPU temperature 91 C over 85 C',
      pendingSinceMs: FIRED_AT - 600_000,
      firedAtMs: FIRED_AT - 480_000,
      resolvedAtMs: FIRED_AT - 60_000,
      lastActiveAtMs: FIRED_AT - 60_000,
    });
  } finally {
    db.close();
  }
  return dbPath;
}

describe('clusterdeck alerts', () => {
  it('list prints open alerts as a table with the decoded text, made safe for the terminal', () => {
    const dbPath = seeded();
    const result = runCli(['alerts', 'list', '--db', dbPath]);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines[0]).toMatch(/^ID\s+STATE\s+SEVERITY\s+NODE\s+GPU\s+RULE\s+SINCE\s+RESOLVED$/);
    expect(lines[1]).toMatch(new RegExp(`^1\\s+firing\\s+critical\\s+gpu-07\\s+${GPU}\\s+gpu-fallen-off-bus\\s+2026-12-01 08:30:05Z\\s+-$`));
    expect(lines[2]).toBe('    GPU fallen off the bus: Xid 79: GPU has fallen off the bus. Action: drain the node and reseat \\x1b]0;pwned\\x07the GPU');
    expect(result.stdout).not.toContain('\u001b');
    expect(result.stdout).not.toContain('GPU hot');
  });

  it('list --all adds the resolved history; --json is one document', () => {
    const dbPath = seeded();
    const all = runCli(['alerts', 'list', '--all', '--db', dbPath]);
    expect(all.status).toBe(0);
    expect(all.stdout).toMatch(/^2\s+resolved\s+warning\s+gpu-07\s+\S+\s+gpu-temperature-high\s+2026-12-01 08:22:05Z\s+2026-12-01 08:29:05Z$/m);
    const json = runCli(['alerts', 'list', '--all', '--json', '--db', dbPath]);
    expect(json.status).toBe(0);
    const document = JSON.parse(json.stdout) as { alerts: unknown[]; total: number };
    const alerts = document.alerts.map((a) => AlertSchema.parse(a));
    expect(alerts.map((a) => [a.id, a.view, a.ruleId])).toEqual([
      [1, 'firing', 'gpu-fallen-off-bus'],
      [2, 'resolved', 'gpu-temperature-high'],
    ]);
    expect(document.total).toBe(2);
  });

  it('ack ID records who and why; list then shows it acknowledged', () => {
    const dbPath = seeded();
    const ack = runCli(['alerts', 'ack', '1', '--by', 'alice', '--comment', 'reseating GPU 3 in the 14:00 window', '--db', dbPath]);
    expect(ack.stderr).toBe('');
    expect(ack.status).toBe(0);
    expect(ack.stdout).toBe('acknowledged #1 by alice: GPU fallen off the bus on gpu-07\n');
    const list = runCli(['alerts', 'list', '--db', dbPath]);
    expect(list.stdout).toMatch(/^1\s+acknowledged\s+critical\s+gpu-07/m);
    expect(list.stdout).toMatch(/^ {4}acknowledged by alice at \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ: reseating GPU 3 in the 14:00 window$/m);
  });

  it('ack of an alert that does not exist says so and exits 1; a malformed ID is a usage error (2)', () => {
    const dbPath = seeded();
    const missing = runCli(['alerts', 'ack', '999', '--db', dbPath]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/^clusterdeck: .*\b999\b/);
    const malformed = runCli(['alerts', 'ack', 'gpu-07', '--db', dbPath]);
    expect(malformed.status).toBe(2);
    expect(malformed.stderr).toContain('an alert ID is a positive number');
  });

  it('with no database yet there are no alerts, and none is created to say so', () => {
    const dbPath = join(tempDir(), 'never.db');
    const result = runCli(['alerts', 'list', '--db', dbPath]);
    expect(result.status).toBe(0);
    expect(result.stdout).toBe('no alerts\n');
    expect(existsSync(dbPath)).toBe(false);
  });
});
