/**
 * The main window and the guards every web contents gets: the page may not navigate away,
 * open windows, attach webviews or ask for permissions.
 */
import { BrowserWindow, shell, type BrowserWindowConstructorOptions, type Session, type WebContents } from 'electron';
import type { Logger } from '../core/log';
import { APP_ENTRY_URL, isAppUrl, isExternalWebUrl } from './app-url';
import type { WindowState } from './window-state';

export interface WindowOptionsInput {
  preloadPath: string;
  state: WindowState;
  /** Packaged builds have no devtools. */
  isPackaged: boolean;
}

/** Pure, so the security settings can be asserted in tests. */
export function buildWindowOptions({ preloadPath, state, isPackaged }: WindowOptionsInput): BrowserWindowConstructorOptions {
  return {
    title: 'Clusterdeck',
    width: state.width,
    height: state.height,
    ...(state.x !== undefined && state.y !== undefined ? { x: state.x, y: state.y } : {}),
    minWidth: 720,
    minHeight: 480,
    // Shown on 'ready-to-show', so there is no white flash before the first paint.
    show: false,
    backgroundColor: '#111418',
    webPreferences: {
      preload: preloadPath,
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      navigateOnDragDrop: false,
      safeDialogs: true,
      spellcheck: false,
      devTools: !isPackaged,
    },
  };
}

/** Only the app's own origin may be loaded; everything else stays where it is. */
export function preventForeignNavigation(details: { url: string; preventDefault(): void }): void {
  if (!isAppUrl(details.url)) details.preventDefault();
}

type OpenExternal = (url: string) => Promise<void>;

/** window.open and target=_blank: web links go to the system browser, nothing opens here. */
export function windowOpenHandler(openExternal: OpenExternal, log: Logger) {
  return ({ url }: { url: string }): { action: 'deny' } => {
    if (isExternalWebUrl(url)) {
      openExternal(url).catch((error: unknown) => log.warn(`could not open ${url}: ${(error as Error).message}`));
    }
    return { action: 'deny' };
  };
}

/** Applied to every web contents the app creates (app 'web-contents-created'). */
export function hardenWebContents(contents: WebContents, log: Logger, openExternal: OpenExternal = (url) => shell.openExternal(url)): void {
  contents.on('will-navigate', preventForeignNavigation);
  contents.on('will-redirect', preventForeignNavigation);
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(windowOpenHandler(openExternal, log));
}

/** The app needs no camera, notifications, geolocation, HID... so nothing is ever granted. */
export function denyAllPermissions(session: Session): void {
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
  session.setDevicePermissionHandler(() => false);
}

export function createMainWindow(input: WindowOptionsInput, log: Logger): BrowserWindow {
  const window = new BrowserWindow(buildWindowOptions(input));
  // maximize() also shows the window, so it waits for the first paint too.
  window.once('ready-to-show', () => (input.state.maximized ? window.maximize() : window.show()));
  window.loadURL(APP_ENTRY_URL).catch((error: unknown) => log.error('could not load the interface', error));
  return window;
}
