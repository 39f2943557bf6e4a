/**
 * Desktop notifications and the tray's alert colour: the Electron sink on its own, and wired in
 * main.ts with the real engine (in memory, no collectors) behind a spy on createEngine.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { EngineOptions } from '../../../electron/core/engine';
import type { Notification } from '../../../electron/core/alerts/types';
import type { AlertSummary } from '../../../shared/model/alerts';
import { tempDir } from '../../helpers/tmp';
import type * as FakeElectron from './fake-electron';

const control = vi.hoisted(() => ({ configDir: '' }));

vi.mock('electron', () => import('./fake-electron.js'));
vi.mock('../../../electron/core/paths', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../../../electron/core/paths.js')>()),
  defaultConfigDir: () => control.configDir,
}));
vi.mock('../../../electron/core/engine', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../../electron/core/engine.js')>();
  return {
    ...real,
    createEngine: vi.fn((options: EngineOptions) => real.createEngine({ ...options, dbPath: ':memory:', nativeBinding: undefined, collectors: [] })),
  };
});

type Electron = typeof FakeElectron;
let electron: Electron;
let appRoot: string;
let userData: string;
const savedArgv = process.argv;

const xid79: Notification = {
  kind: 'alert',
  severity: 'critical',
  title: 'GPU fallen off the bus',
  body: 'Xid 79: GPU has fallen off the bus.\u0000',
  nodeId: 'gpu-07',
  alertId: 42,
  alertIds: [42],
  ruleId: 'gpu-fallen-off-bus',
  atMs: Date.UTC(2026, 2, 10, 12, 0, 0),
};

const summary = (worst: AlertSummary['worst'], firing: Partial<AlertSummary['firing']> = {}): AlertSummary => ({
  firing: { critical: 0, warning: 0, info: 0, ...firing },
  pending: 0,
  worst,
  nodes: {},
  gpus: {},
});

const never = new AbortController().signal;

beforeEach(async () => {
  vi.resetModules();
  electron = (await import('electron')) as unknown as Electron;
  electron.resetFakeElectron();
  vi.spyOn(console, 'error').mockImplementation(() => {});
  appRoot = tempDir('cd-app-');
  userData = tempDir('cd-userdata-');
  control.configDir = tempDir('cd-config-');
  electron.app.appPath = appRoot;
  electron.app.paths = { userData };
  mkdirSync(path.join(appRoot, 'dist', 'renderer'), { recursive: true });
  writeFileSync(path.join(appRoot, 'dist', 'renderer', 'index.html'), '<!doctype html><title>Clusterdeck</title>');
  const dir = path.join(appRoot, 'native', `electron-${process.versions.modules}-${process.platform}-${process.arch}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'better_sqlite3.node'), 'placeholder');
  process.argv = [process.execPath, appRoot];
});

afterEach(() => {
  electron?.app.emit('will-quit', { preventDefault() {} });
  process.argv = savedArgv;
  vi.restoreAllMocks();
});

describe('electronNotificationSink', () => {
  it('shows the title and the cleaned text, critical until dismissed, and a click opens the alert', async () => {
    const { electronNotificationSink } = await import('../../../electron/main/notifications.js');
    const onClick = vi.fn();
    const sink = electronNotificationSink({ Notification: electron.Notification, onClick });
    await sink.send(xid79, never);
    await sink.send({ ...xid79, kind: 'resolved', severity: 'info', alertId: 43, alertIds: [43] }, never);

    const [critical, resolved] = electron.Notification.instances;
    expect(critical!.options).toEqual({
      title: 'GPU fallen off the bus',
      body: 'Node gpu-07\nXid 79: GPU has fallen off the bus.',
      urgency: 'critical',
      timeoutType: 'never',
      silent: false,
    });
    expect(critical!.shown).toBe(true);
    expect(resolved!.options).toMatchObject({ title: 'Resolved: GPU fallen off the bus', urgency: 'low', timeoutType: 'default', silent: true });

    resolved!.emit('click');
    expect(onClick).toHaveBeenCalledWith(43);
  });

  it('escapes markup in the body on Linux (libnotify reads it), and only there', async () => {
    const { electronNotificationSink } = await import('../../../electron/main/notifications.js');
    const hostile = { ...xid79, body: 'see <a href="http://x">here</a> & <b>now</b>' };
    const linux = electronNotificationSink({ Notification: electron.Notification, onClick: vi.fn(), platform: 'linux' });
    const mac = electronNotificationSink({ Notification: electron.Notification, onClick: vi.fn(), platform: 'darwin' });
    await linux.send(hostile, never);
    await mac.send(hostile, never);

    const [onLinux, onMac] = electron.Notification.instances;
    expect(onLinux!.options).toMatchObject({ body: 'Node gpu-07\nsee &lt;a href="http://x"&gt;here&lt;/a&gt; &amp; &lt;b&gt;now&lt;/b&gt;' });
    expect(onMac!.options).toMatchObject({ body: 'Node gpu-07\nsee <a href="http://x">here</a> & <b>now</b>' });
  });

  it('fails (for the dispatcher to log) where the desktop has no notification service', async () => {
    const { electronNotificationSink } = await import('../../../electron/main/notifications.js');
    electron.Notification.supported = false;
    const sink = electronNotificationSink({ Notification: electron.Notification, onClick: vi.fn() });
    await expect(sink.send(xid79, never)).rejects.toThrow('no notification service');
    expect(electron.Notification.instances).toHaveLength(0);
  });

  it('routes to the alert, or the alerts page', async () => {
    const { alertPageUrl } = await import('../../../electron/main/notifications.js');
    expect(alertPageUrl(42)).toBe('app://clusterdeck/index.html#/alerts/42');
    expect(alertPageUrl(null)).toBe('app://clusterdeck/index.html#/alerts');
    expect(alertPageUrl(-1)).toBe('app://clusterdeck/index.html#/alerts');
  });
});

describe('the desktop shell', () => {
  async function launch() {
    const main = await import('../../../electron/main/main.js');
    electron.app.becomeReady();
    await main.startup;
    const engineModule = await import('../../../electron/core/engine.js');
    const createEngine = vi.mocked(engineModule.createEngine);
    return { options: createEngine.mock.calls[0]![0], engine: createEngine.mock.results[0]!.value as import('../../../electron/core/engine.js').Engine };
  }

  it('gives the engine the Electron sink; a click brings the window and opens that alert', async () => {
    const { options } = await launch();
    expect(options.notificationSinks?.map((sink) => sink.name)).toEqual(['desktop notifications']);
    const window = electron.BrowserWindow.instances[0]!;
    window.minimized = true;

    await options.notificationSinks![0]!.send(xid79, never);
    electron.Notification.instances[0]!.emit('click');
    expect(window.restore).toHaveBeenCalled();
    expect(window.focus).toHaveBeenCalled();
    expect(window.loadURL).toHaveBeenLastCalledWith('app://clusterdeck/index.html#/alerts/42');
  });

  it('opens a closed window first, then the alert once the page has loaded', async () => {
    const { options } = await launch();
    electron.BrowserWindow.instances[0]!.close();
    await options.notificationSinks![0]!.send(xid79, never);
    electron.Notification.instances[0]!.emit('click');

    const reopened = electron.BrowserWindow.instances[1]!;
    expect(reopened.loadURL.mock.calls.map(([url]) => url)).toEqual(['app://clusterdeck/index.html']);
    reopened.webContents.emit('did-finish-load');
    expect(reopened.loadURL.mock.calls.map(([url]) => url)).toEqual(['app://clusterdeck/index.html', 'app://clusterdeck/index.html#/alerts/42']);
  });

  it('shows the worst active severity in the tray', async () => {
    const { engine } = await launch();
    const tray = electron.Tray.instances[0]!;
    const { TRAY_COLORS, renderDotPng } = await import('../../../electron/main/tray-icon.js');
    const icon = (variant: keyof typeof TRAY_COLORS) => ({ png: renderDotPng(32, TRAY_COLORS[variant]), scaleFactor: 2 });
    const lastIcon = () => tray.setImage.mock.calls.at(-1)?.[0];

    engine.events.emit('alerts:changed', summary('critical', { critical: 1, warning: 2 }));
    expect(lastIcon()).toEqual(icon('critical'));
    expect(tray.tooltip).toMatch(/^Clusterdeck: \w+; alerts: 1 critical, 2 warning/);

    engine.events.emit('alerts:changed', summary('warning', { warning: 2 }));
    expect(lastIcon()).toEqual(icon('warning'));

    // Firing but acknowledged: counted in the tooltip, no alert colour.
    engine.events.emit('alerts:changed', summary(null, { warning: 2 }));
    expect(lastIcon()).not.toEqual(icon('warning'));
    expect([icon('running'), icon('degraded')]).toContainEqual(lastIcon());
    expect(tray.tooltip).toContain('alerts: 2 warning');

    // A stopped engine is grey whatever the alerts.
    engine.events.emit('alerts:changed', summary('critical', { critical: 1 }));
    engine.events.emit('engine:statusChanged', { ...engine.status(), state: 'stopped' });
    expect(lastIcon()).toEqual(icon('stopped'));
  });
});
