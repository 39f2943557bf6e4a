/**
 * The desktop shell's entry: wiring only. One instance; the engine on the Electron build of
 * SQLite; the renderer over app://; one window, a tray, one IPC channel. Anything that stops
 * startup is one dialog and a clean exit, never a crash.
 */
import path from 'node:path';
import { app, BrowserWindow, dialog, Notification, protocol, screen, session } from 'electron';
import { createEngine, type Engine } from '../core/engine';
import { tuneHeapForLongRun } from '../core/heap-tuning';
import { consoleLogger } from '../core/log';
import { CONFIG_FILE_NAME, DB_FILE_NAME, defaultConfigDir } from '../core/paths';
import { bindIpc } from './ipc';
import { KeychainSecretStore } from './secret-store';
import { withSshConfigPicker } from './ssh-config-picker';
import { findNativeBinding } from './native-binding';
import { electronNotificationSink, openAlertPage } from './notifications';
import { electronPdfPrinter } from './pdf-printer';
import { registerAppScheme, serveRenderer } from './protocol';
import { loadConfigOrDefaults, parseDbArg, startupFailureMessage } from './startup';
import { createStatusTray } from './tray';
import { createMainWindow, denyAllPermissions, hardenWebContents } from './window';
import { WINDOW_STATE_FILE_NAME, fitToDisplays, loadWindowState, trackWindowState } from './window-state';

const log = consoleLogger;

let mainWindow: BrowserWindow | null = null;

/** The OS file picker for an ssh config, over the main window. */
async function pickSshConfig(): Promise<string | null> {
  const options: Electron.OpenDialogOptions = {
    title: 'Choose an ssh config file',
    defaultPath: path.join(app.getPath('home'), '.ssh'),
    properties: ['openFile', 'showHiddenFiles'],
  };
  const result = mainWindow && !mainWindow.isDestroyed() ? await dialog.showOpenDialog(mainWindow, options) : await dialog.showOpenDialog(options);
  return result.canceled ? null : (result.filePaths[0] ?? null);
}
const teardown: Array<() => void> = [];

/** Stops everything this process started; safe to call twice. */
function shutdown(): void {
  for (const undo of teardown.splice(0).reverse()) {
    try {
      undo();
    } catch (error) {
      log.error('shutdown step failed', error);
    }
  }
}

function failStartup(title: string, message: string): void {
  shutdown();
  dialog.showErrorBox(title, message);
  // Nothing is open yet that needs before-quit; exit with a status scripts can see.
  app.exit(1);
}

function showWindow(): void {
  if (!mainWindow || mainWindow.isDestroyed()) {
    mainWindow = openMainWindow();
    return;
  }
  if (mainWindow.isMinimized()) mainWindow.restore();
  mainWindow.show();
  mainWindow.focus();
}

/** A notification's click: the window, on that alert (or the alerts page). */
function openAlert(alertId: number | null): void {
  const justCreated = !mainWindow || mainWindow.isDestroyed();
  showWindow();
  if (mainWindow) openAlertPage(mainWindow, alertId, log, justCreated);
}

function openMainWindow(): BrowserWindow {
  const stateFile = path.join(app.getPath('userData'), WINDOW_STATE_FILE_NAME);
  const workAreas = screen.getAllDisplays().map((display) => display.workArea);
  const state = fitToDisplays(loadWindowState(stateFile, log), workAreas);
  const window = createMainWindow({ preloadPath: path.join(__dirname, '..', 'preload', 'preload.js'), state, isPackaged: app.isPackaged }, log);
  trackWindowState(window, stateFile, log);
  return window;
}

async function start(): Promise<void> {
  const nativeBinding = findNativeBinding(app.getAppPath());
  if (!nativeBinding.found) {
    failStartup('Clusterdeck cannot start', nativeBinding.message);
    return;
  }

  const configPath = path.join(defaultConfigDir(), CONFIG_FILE_NAME);
  const { config, configError } = loadConfigOrDefaults(configPath);
  if (configError) log.warn(`${configError} (running on defaults)`);
  const dbPath = parseDbArg(process.argv.slice(1)) ?? path.join(app.getPath('userData'), DB_FILE_NAME);

  let running: Engine;
  tuneHeapForLongRun();
  try {
    const userData = app.getPath('userData');
    running = createEngine({
      config,
      dbPath,
      configPath,
      configError,
      mode: 'desktop',
      nativeBinding: nativeBinding.path,
      log,
      knownHostsFile: path.join(userData, 'known_hosts'),
      secrets: new KeychainSecretStore(path.join(userData, 'secrets.json'), log),
      notificationSinks: [electronNotificationSink({ Notification, onClick: openAlert })],
      // PDF reports print through Electron's own Chromium (a hidden, sandboxed window).
      pdfPrinter: electronPdfPrinter(),
    });
  } catch (error) {
    failStartup('Clusterdeck cannot open its database', startupFailureMessage(error));
    return;
  }
  teardown.push(() => running.close());

  denyAllPermissions(session.defaultSession);
  serveRenderer(protocol, path.join(app.getAppPath(), 'dist', 'renderer'));

  teardown.push(
    bindIpc({
      engine: {
        events: running.events,
        handlers: withSshConfigPicker(running.handlers, pickSshConfig),
        // Each window its own profile (an auditor in one window does not make the others auditors).
        callerHandlers: () => withSshConfigPicker(running.callerHandlers(), pickSshConfig),
      },
      trustedContents: () => (mainWindow && !mainWindow.isDestroyed() ? [mainWindow.webContents] : []),
      log,
    }),
  );

  try {
    const statusTray = createStatusTray(running.status(), { showWindow, quit: () => app.quit() });
    teardown.push(() => statusTray.destroy());
    teardown.push(running.events.on('engine:statusChanged', (status) => statusTray.update(status)));
    teardown.push(running.events.on('alerts:changed', (summary) => statusTray.setAlerts(summary)));
    // The alerts already firing when the app starts (kept across a restart).
    running.handlers['alerts:summary']({}).then(
      (summary) => statusTray.setAlerts(summary),
      (error: unknown) => log.warn(`no alert summary for the tray: ${(error as Error).message}`),
    );
  } catch (error) {
    // Some Linux desktops have no tray; the window still works.
    log.warn(`no tray icon: ${(error as Error).message}`);
  }

  showWindow();
  app.on('second-instance', showWindow);
  app.on('activate', showWindow);

  await Promise.resolve(running.start()).catch((error: unknown) => log.error('the collection loop did not start', error));
}

// Both must precede 'ready': every renderer sandboxed whatever its options, and Chromium fixes
// scheme privileges at startup.
app.enableSandbox();
registerAppScheme(protocol);
// Every web contents, including any this code never meant to create, gets the same guards.
app.on('web-contents-created', (_event, contents) => hardenWebContents(contents, log));
app.on('window-all-closed', () => {
  // macOS apps stay in the dock; elsewhere closing the window quits.
  if (process.platform !== 'darwin') app.quit();
});
app.on('will-quit', shutdown);

/** Settles when startup has finished or failed (tests wait on it). */
export const startup: Promise<void> = app.requestSingleInstanceLock()
  ? app
      .whenReady()
      .then(start)
      .catch((error: unknown) => failStartup('Clusterdeck could not start', startupFailureMessage(error)))
  : Promise.resolve(app.quit());
