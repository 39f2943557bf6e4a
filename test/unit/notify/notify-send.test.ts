import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../../shared/config';
import type { Notification } from '../../../electron/core/alerts/types';
import { NotificationDispatcher } from '../../../electron/core/notify/dispatcher';
import { headlessSinks } from '../../../electron/core/notify/headless-sinks';
import { notifySendAvailable } from '../../../electron/core/notify/notify-send';
import { tempDir } from '../../helpers/tmp';

/** A fake notify-send first on PATH: records its arguments, NUL-separated, one call after another. */
function fakeNotifySend(options: { exitCode?: number } = {}): { bin: string; record: string } {
  const bin = tempDir('cd-notify-bin-');
  const record = path.join(tempDir('cd-notify-rec-'), 'argv');
  const script = `#!/bin/sh\nprintf '%s\\0' "$@" >> '${record}'\nprintf '\\n' >> '${record}'\n${options.exitCode ? `echo 'cannot reach the bus' >&2\nexit ${options.exitCode}\n` : ''}`;
  writeFileSync(path.join(bin, 'notify-send'), script);
  chmodSync(path.join(bin, 'notify-send'), 0o755);
  return { bin, record };
}

function calls(record: string): string[][] {
  return readFileSync(record, 'utf8')
    .split('\0\n')
    .filter((call) => call.length > 0)
    .map((call) => call.split('\0'));
}

const xid79: Notification = {
  kind: 'alert',
  severity: 'critical',
  title: 'GPU fallen off the bus',
  body: 'Xid 79: GPU has fallen off the bus.\nRecommended action: drain the node and reseat the GPU.\u0007\u202e',
  nodeId: 'gpu-07',
  alertId: 42,
  alertIds: [42],
  ruleId: 'gpu-fallen-off-bus',
  atMs: Date.UTC(2026, 2, 10, 12, 0, 0),
};

const env = (bin: string, bus: string | undefined) => ({ PATH: `${bin}:/usr/bin:/bin`, ...(bus ? { DBUS_SESSION_BUS_ADDRESS: bus } : {}) });
const silent = { warn: () => {}, info: () => {} };

describe('notify-send sink', () => {
  it('runs notify-send with the title, the node and the decoded text, urgency from the severity', async () => {
    const { bin, record } = fakeNotifySend();
    const sinks = headlessSinks(DEFAULT_CONFIG.notifications, env(bin, 'unix:path=/run/user/1000/bus'), { appVersion: '0.1.0' });
    expect(sinks.map((sink) => sink.name)).toEqual(['notify-send']);
    const dispatcher = new NotificationDispatcher({ sinks, log: silent, timeoutMs: 10_000 });
    dispatcher.deliver([xid79, { ...xid79, kind: 'resolved', severity: 'warning', title: '-x <b>hot</b> & gpu-07' }]);
    await dispatcher.idle();

    const [first, second] = calls(record);
    expect(first).toEqual([
      '--app-name=Clusterdeck',
      '--urgency=critical',
      '--category=device.error',
      '--',
      'GPU fallen off the bus',
      'Node gpu-07\nXid 79: GPU has fallen off the bus.\nRecommended action: drain the node and reseat the GPU.',
    ]);
    // A title that looks like an option stays the title; the body's markup is escaped.
    expect(second!.slice(1, 6)).toEqual([
      '--urgency=normal',
      '--category=device.error',
      '--',
      'Resolved: -x <b>hot</b> & gpu-07',
      expect.stringContaining('Xid 79'),
    ]);
    expect(second![5]).not.toContain('Node gpu-07'); // the title names the node already
  });

  it('bounds the title and the body', async () => {
    const { bin, record } = fakeNotifySend();
    const sinks = headlessSinks(DEFAULT_CONFIG.notifications, env(bin, 'unix:abstract=x'), { appVersion: '0.1.0' });
    const dispatcher = new NotificationDispatcher({ sinks, log: silent, timeoutMs: 10_000 });
    dispatcher.deliver([{ ...xid79, title: 't'.repeat(5000), body: 'b'.repeat(50_000) }]);
    await dispatcher.idle();
    const [args] = calls(record);
    expect(args![4]!.length).toBeLessThanOrEqual(200);
    expect(args![5]!.length).toBeLessThanOrEqual(2000);
  });

  it('is not used without a session bus, nor when desktop notifications are off', () => {
    const { bin } = fakeNotifySend();
    expect(notifySendAvailable(env(bin, undefined))).toBeNull();
    expect(notifySendAvailable(env(bin, 'unix:abstract=x'))).toBe(path.join(bin, 'notify-send'));
    expect(notifySendAvailable({ PATH: tempDir(), DBUS_SESSION_BUS_ADDRESS: 'unix:abstract=x' })).toBeNull();
    expect(headlessSinks(DEFAULT_CONFIG.notifications, env(bin, undefined), { appVersion: '0.1.0' })).toEqual([]);
    expect(headlessSinks({ ...DEFAULT_CONFIG.notifications, desktop: false }, env(bin, 'unix:abstract=x'), { appVersion: '0.1.0' })).toEqual([]);
  });

  it('sends nothing when DBUS_SESSION_BUS_ADDRESS is unset', async () => {
    const { bin, record } = fakeNotifySend();
    const dispatcher = new NotificationDispatcher({
      sinks: headlessSinks(DEFAULT_CONFIG.notifications, env(bin, undefined), { appVersion: '0.1.0' }),
      log: silent,
      timeoutMs: 10_000,
    });
    dispatcher.deliver([xid79]);
    await dispatcher.idle();
    expect(existsSync(record)).toBe(false);
  });

  it('reports a failing notify-send in one line, with its own words', async () => {
    const { bin } = fakeNotifySend({ exitCode: 1 });
    const warnings: string[] = [];
    const dispatcher = new NotificationDispatcher({
      sinks: headlessSinks(DEFAULT_CONFIG.notifications, env(bin, 'unix:abstract=x'), { appVersion: '0.1.0' }),
      log: { warn: (message) => warnings.push(message), info: () => {} },
      timeoutMs: 10_000,
    });
    dispatcher.deliver([xid79, xid79]);
    await dispatcher.idle();
    expect(warnings).toEqual(['a notification to notify-send failed: notify-send failed: cannot reach the bus']);
  });
});
