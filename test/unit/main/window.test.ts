import { beforeEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../../electron/core/log';
import { buildWindowOptions, createMainWindow, denyAllPermissions, hardenWebContents, windowOpenHandler } from '../../../electron/main/window';
import { DEFAULT_WINDOW_STATE } from '../../../electron/main/window-state';
import * as electron from './fake-electron';

vi.mock('electron', () => import('./fake-electron.js'));

beforeEach(() => electron.resetFakeElectron());

const input = { preloadPath: '/app/dist/electron/preload/preload.js', state: { ...DEFAULT_WINDOW_STATE }, isPackaged: true };

describe('buildWindowOptions', () => {
  it('locks the renderer down: sandbox, isolation, no Node, web security, no webview, no spellcheck', () => {
    const { webPreferences } = buildWindowOptions(input);
    expect(webPreferences).toMatchObject({
      preload: '/app/dist/electron/preload/preload.js',
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
      experimentalFeatures: false,
    });
  });

  it('has no devtools in a packaged build, and has them in development', () => {
    expect(buildWindowOptions(input).webPreferences?.devTools).toBe(false);
    expect(buildWindowOptions({ ...input, isPackaged: false }).webPreferences?.devTools).toBe(true);
  });

  it('starts hidden (shown when ready) with the remembered size, and a position only when both coordinates are known', () => {
    const placed = buildWindowOptions({ ...input, state: { width: 1000, height: 700, x: 10, y: 20, maximized: false } });
    expect(placed).toMatchObject({ show: false, width: 1000, height: 700, x: 10, y: 20 });
    const unplaced = buildWindowOptions(input);
    expect(unplaced).not.toHaveProperty('x');
    expect(unplaced).not.toHaveProperty('y');
  });
});

describe('hardenWebContents', () => {
  function hardened() {
    const contents = new electron.FakeWebContents();
    const openExternal = vi.fn(async () => {});
    hardenWebContents(contents as never, silentLogger, openExternal);
    return { contents, openExternal };
  }

  it.each([['will-navigate'], ['will-redirect']])('%s: stays on app://clusterdeck, refuses every other place', (eventName) => {
    const { contents } = hardened();
    expect(contents.emitCancellable(eventName, 'app://clusterdeck/index.html#/nodes')).toBe(false);
    for (const url of [
      'https://example.com/',
      'http://127.0.0.1:8080/',
      'file:///etc/passwd',
      'app://other/index.html',
      'app://clusterdeck.evil.example/',
      'javascript:alert(1)',
      'data:text/html,<script>1</script>',
      'not a url',
    ]) {
      expect(contents.emitCancellable(eventName, url), url).toBe(true);
    }
  });

  it('refuses to attach a webview', () => {
    const { contents } = hardened();
    expect(contents.emitCancellable('will-attach-webview', 'app://clusterdeck/', {}, {})).toBe(true);
  });

  it('denies every window.open; web links go to the system browser, nothing else does', () => {
    const { contents, openExternal } = hardened();
    const handler = contents.windowOpenHandler!;
    expect(handler({ url: 'https://docs.nvidia.com/deploy/xid-errors/' })).toEqual({ action: 'deny' });
    expect(handler({ url: 'http://grafana.local/' })).toEqual({ action: 'deny' });
    expect(openExternal.mock.calls).toEqual([['https://docs.nvidia.com/deploy/xid-errors/'], ['http://grafana.local/']]);
    openExternal.mockClear();
    for (const url of ['file:///etc/passwd', 'app://clusterdeck/index.html', 'javascript:alert(1)', 'smb://host/share', 'ms-settings:', '']) {
      expect(handler({ url })).toEqual({ action: 'deny' });
    }
    expect(openExternal).not.toHaveBeenCalled();
  });

  it('uses shell.openExternal by default, and a failure there is logged, not thrown', async () => {
    const contents = new electron.FakeWebContents();
    hardenWebContents(contents as never, silentLogger);
    contents.windowOpenHandler!({ url: 'https://example.com/' });
    expect(electron.shell.openExternal).toHaveBeenCalledWith('https://example.com/');

    const warn = vi.fn();
    const failing = windowOpenHandler(async () => Promise.reject(new Error('no browser')), { ...silentLogger, warn });
    expect(failing({ url: 'https://example.com/' })).toEqual({ action: 'deny' });
    await vi.waitFor(() => expect(warn).toHaveBeenCalledWith(expect.stringContaining('no browser')));
  });
});

describe('denyAllPermissions', () => {
  it('answers every permission request and check with no', () => {
    const session = electron.session.defaultSession;
    denyAllPermissions(session as never);
    for (const permission of ['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal', 'fullscreen']) {
      const callback = vi.fn();
      session.permissionRequestHandler!({}, permission, callback, {});
      expect(callback).toHaveBeenCalledWith(false);
      expect(session.permissionCheckHandler!({}, permission, 'app://clusterdeck', {})).toBe(false);
    }
    expect(session.devicePermissionHandler!({ deviceType: 'usb' })).toBe(false);
  });
});

describe('createMainWindow', () => {
  it('loads the app origin, and shows the window only once it is ready', () => {
    const window = createMainWindow(input, silentLogger) as unknown as electron.BrowserWindow;
    expect(window.options).toEqual(buildWindowOptions(input));
    expect(window.loadURL).toHaveBeenCalledWith('app://clusterdeck/index.html');
    expect(window.show).not.toHaveBeenCalled();
    window.emit('ready-to-show');
    expect(window.show).toHaveBeenCalledTimes(1);
    expect(window.maximize).not.toHaveBeenCalled();
  });

  it('restores the maximized state when it shows', () => {
    const window = createMainWindow({ ...input, state: { ...DEFAULT_WINDOW_STATE, maximized: true } }, silentLogger) as unknown as electron.BrowserWindow;
    expect(window.maximize).not.toHaveBeenCalled();
    window.emit('ready-to-show');
    expect(window.maximize).toHaveBeenCalledTimes(1);
  });
});
