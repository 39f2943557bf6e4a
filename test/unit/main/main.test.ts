/**
 * The shell's wiring, end to end under the fake electron: main.ts is imported fresh for each
 * test, with the real engine (in memory, no collectors) behind a spy on createEngine.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { EngineOptions } from '../../../electron/core/engine';
import { tempDir } from '../../helpers/tmp';
import type * as FakeElectron from './fake-electron';

const control = vi.hoisted(() => ({ configDir: '', failWith: null as Error | null }));

vi.mock('electron', () => import('./fake-electron.js'));
vi.mock('../../../electron/core/paths', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../../../electron/core/paths.js')>()),
  // Never the real ~/.config of whoever runs the tests.
  defaultConfigDir: () => control.configDir,
}));
vi.mock('../../../electron/core/engine', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../../electron/core/engine.js')>();
  return {
    ...real,
    createEngine: vi.fn((options: EngineOptions) => {
      if (control.failWith) throw control.failWith;
      // The module at nativeBinding is a placeholder file here; the engine uses Node's build.
      return real.createEngine({ ...options, dbPath: ':memory:', nativeBinding: undefined, collectors: [] });
    }),
  };
});

type Electron = typeof FakeElectron;
let electron: Electron;
let appRoot: string;
let userData: string;
const savedArgv = process.argv;

async function prepare(argv: string[], options: { nativeBuild?: boolean } = {}): Promise<Electron> {
  vi.resetModules();
  electron = (await import('electron')) as unknown as Electron;
  electron.resetFakeElectron();
  electron.app.appPath = appRoot;
  electron.app.paths = { userData };
  if (options.nativeBuild !== false) {
    const dir = path.join(appRoot, 'native', `electron-${process.versions.modules}-${process.platform}-${process.arch}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'better_sqlite3.node'), 'placeholder');
  }
  process.argv = [process.execPath, appRoot, ...argv];
  return electron;
}

async function launch(): Promise<typeof import('../../../electron/main/main.js')> {
  const main = await import('../../../electron/main/main.js');
  electron.app.becomeReady();
  await main.startup;
  return main;
}

async function createEngineSpy() {
  const engineModule = await import('../../../electron/core/engine.js');
  return vi.mocked(engineModule.createEngine);
}

let consoleError: ReturnType<typeof vi.spyOn>;

beforeEach(() => {
  // main.ts logs with the console logger; keep the test output clean and check it where it matters.
  consoleError = vi.spyOn(console, 'error').mockImplementation(() => {});
  appRoot = tempDir('cd-app-');
  userData = tempDir('cd-userdata-');
  control.configDir = tempDir('cd-config-');
  control.failWith = null;
  mkdirSync(path.join(appRoot, 'dist', 'renderer'), { recursive: true });
  writeFileSync(path.join(appRoot, 'dist', 'renderer', 'index.html'), '<!doctype html><title>Clusterdeck</title>');
});

afterEach(() => {
  // Whatever a test left running (the engine's loop) stops here.
  electron?.app.emit('will-quit', { preventDefault() {} });
  process.argv = savedArgv;
  consoleError.mockRestore();
});

describe('main.ts', () => {
  it('sandboxes every renderer, registers the app scheme and the guards before ready, and nothing else', async () => {
    await prepare([]);
    await import('../../../electron/main/main.js');
    expect(electron.protocol.privileged).toEqual([{ scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
    expect(electron.protocol.readyWhenRegistered).toEqual([false]);
    expect(electron.app.enableSandbox).toHaveBeenCalledTimes(1);
    expect(electron.app.listenerCount('web-contents-created')).toBe(1);
    expect(electron.BrowserWindow.instances).toHaveLength(0);
    expect((await createEngineSpy()).mock.calls).toHaveLength(0);
    electron.app.becomeReady();
  });

  it('starts the engine on --db and the config (bad config: defaults plus the reason), then window, tray and IPC', async () => {
    await prepare(['--db', path.join(userData, 'custom.db')]);
    writeFileSync(path.join(control.configDir, 'config.yaml'), 'collection: [not, a, map]\n');
    await launch();

    const createEngine = await createEngineSpy();
    expect(createEngine).toHaveBeenCalledTimes(1);
    const options = createEngine.mock.calls[0]![0];
    expect(options).toMatchObject({
      mode: 'desktop',
      dbPath: path.join(userData, 'custom.db'),
      configPath: path.join(control.configDir, 'config.yaml'),
      nativeBinding: path.join(appRoot, 'native', `electron-${process.versions.modules}-${process.platform}-${process.arch}`, 'better_sqlite3.node'),
    });
    expect(options.configError).toContain('config.yaml');
    expect(consoleError).toHaveBeenCalledWith(expect.stringContaining('running on defaults'));
    expect(options.config.collection.intervalMs).toBe(5000);

    // One window, locked down, on the app origin, served from dist/renderer.
    expect(electron.BrowserWindow.instances).toHaveLength(1);
    const window = electron.BrowserWindow.instances[0]!;
    expect(window.options.webPreferences).toMatchObject({ sandbox: true, contextIsolation: true, nodeIntegration: false, webSecurity: true });
    expect(String((window.options.webPreferences as { preload: string }).preload)).toMatch(/preload[/\\]preload\.js$/);
    expect(window.loadURL).toHaveBeenCalledWith('app://clusterdeck/index.html');
    const page = await electron.protocol.handlers.get('app')!(new Request('app://clusterdeck/index.html'));
    expect(await page.text()).toContain('<title>Clusterdeck</title>');
    expect(electron.session.defaultSession.permissionRequestHandler).not.toBeNull();

    // One IPC channel, answering our window with the engine (the UI gets the config error for its banner).
    expect([...electron.ipcMain.handlers.keys()]).toEqual(['clusterdeck:call']);
    const contents = window.webContents;
    const info = await electron.ipcMain.invoke('clusterdeck:call', { sender: contents, senderFrame: contents.mainFrame }, 'app:info', {});
    expect(info).toMatchObject({ ok: true, value: { mode: 'desktop', configError: expect.stringContaining('config.yaml') } });

    // Engine events reach the window and the tray.
    const engine = createEngine.mock.results[0]!.value as import('../../../electron/core/engine.js').Engine;
    const status = { ...engine.status(), state: 'degraded' as const, lastError: 'gpu: nvidia-smi timed out' };
    engine.events.emit('engine:statusChanged', status);
    expect(contents.send).toHaveBeenCalledWith('clusterdeck:event', 'engine:statusChanged', status);
    const tray = electron.Tray.instances[0]!;
    expect(tray.tooltip).toContain('degraded (gpu: nvidia-smi timed out)');

    // Quitting closes the engine and removes the tray and the IPC channel.
    electron.app.quit();
    expect(engine.status().state).toBe('stopped');
    expect(tray.destroyed).toBe(true);
    expect(electron.ipcMain.handlers.size).toBe(0);
  });

  it('keeps the database in userData without --db, and a good config has no error', async () => {
    await prepare([]);
    await launch();
    const options = (await createEngineSpy()).mock.calls[0]![0];
    expect(options.dbPath).toBe(path.join(userData, 'clusterdeck.db'));
    expect(options.configError).toBeNull();
  });

  it('guards every web contents created later, brings the window back for a second instance, saves its state on close', async () => {
    await prepare([]);
    await launch();
    const later = new electron.FakeWebContents('app://clusterdeck/index.html');
    electron.app.emit('web-contents-created', {}, later);
    expect(later.windowOpenHandler).not.toBeNull();
    expect(later.emitCancellable('will-navigate', 'https://example.com/')).toBe(true);

    const window = electron.BrowserWindow.instances[0]!;
    window.minimized = true;
    electron.app.emit('second-instance', {}, ['clusterdeck']);
    expect(window.restore).toHaveBeenCalled();
    expect(window.focus).toHaveBeenCalled();

    window.close();
    const { loadWindowState } = await import('../../../electron/main/window-state.js');
    expect(loadWindowState(path.join(userData, 'window-state.json'))).toMatchObject({ width: 1280, height: 800 });
    // The tray's "Show window" opens a new one once the first is gone.
    electron.Tray.instances[0]!.menu!.items.find((item) => item.label === 'Show window')!.click!();
    expect(electron.BrowserWindow.instances).toHaveLength(2);
  });

  it('quits when the last window closes, except on macOS', async () => {
    await prepare([]);
    await launch();
    electron.app.quit.mockClear();
    electron.app.emit('window-all-closed');
    expect(electron.app.quit).toHaveBeenCalledTimes(process.platform === 'darwin' ? 0 : 1);
  });

  it('without the Electron build of SQLite: one dialog naming `npm run electron:native`, then exit', async () => {
    await prepare([], { nativeBuild: false });
    await launch();
    expect(electron.dialog.showErrorBox).toHaveBeenCalledTimes(1);
    const [title, message] = electron.dialog.showErrorBox.mock.calls[0]!;
    expect(title).toBe('Clusterdeck cannot start');
    expect(message).toContain('npm run electron:native');
    expect(electron.app.exit).toHaveBeenCalledWith(1);
    expect((await createEngineSpy()).mock.calls).toHaveLength(0);
    expect(electron.BrowserWindow.instances).toHaveLength(0);
    expect(electron.ipcMain.handlers.size).toBe(0);
  });

  it('when the store refuses to open: its message in a dialog, then exit, with nothing left open', async () => {
    await prepare([]);
    // The class from this fresh module registry, the one main.ts checks against.
    const { StoreOpenError } = await import('../../../electron/core/store/db.js');
    control.failWith = new StoreOpenError('newer-schema', 'The database /x.db was written by a newer Clusterdeck. Nothing was written to it.');
    await launch();
    expect(electron.dialog.showErrorBox).toHaveBeenCalledWith(
      'Clusterdeck cannot open its database',
      'The database /x.db was written by a newer Clusterdeck. Nothing was written to it.',
    );
    expect(electron.app.exit).toHaveBeenCalledWith(1);
    expect(electron.BrowserWindow.instances).toHaveLength(0);
    expect(electron.Tray.instances).toHaveLength(0);
    expect(electron.ipcMain.handlers.size).toBe(0);
  });

  it('refuses --db without a path in a dialog', async () => {
    await prepare(['--db']);
    await launch();
    expect(electron.dialog.showErrorBox).toHaveBeenCalledWith('Clusterdeck could not start', expect.stringContaining('--db needs a file path'));
    expect(electron.app.exit).toHaveBeenCalledWith(1);
    expect((await createEngineSpy()).mock.calls).toHaveLength(0);
  });

  it('as a second instance: quits at once and starts nothing', async () => {
    await prepare([]);
    electron.app.gotLock = false;
    await launch();
    expect(electron.app.quit).toHaveBeenCalled();
    expect((await createEngineSpy()).mock.calls).toHaveLength(0);
    expect(electron.BrowserWindow.instances).toHaveLength(0);
  });
});
