/**
 * A stand-in for the 'electron' module, enough for electron/main and electron/preload to run
 * under plain Node. Test files install it with
 *   vi.mock('electron', () => import('./fake-electron.js'));
 * and call resetFakeElectron() before each test. It records what the code under test did and
 * behaves like Electron where the code depends on it (one handler per ipcMain channel,
 * 'No handler registered' for unknown channels, frames with url/processId/routingId/parent).
 */
import { EventEmitter } from 'node:events';
import { vi } from 'vitest';

let nextId = 1;

export class FakeWebFrame {
  readonly routingId = nextId++;
  constructor(
    public url: string,
    readonly processId: number,
    readonly parent: FakeWebFrame | null = null,
  ) {}
  get top(): FakeWebFrame {
    return this.parent ? this.parent.top : this;
  }
  /** A child frame (an iframe) of this one. */
  child(url: string): FakeWebFrame {
    return new FakeWebFrame(url, this.processId, this);
  }
}

type WindowOpenHandler = (details: { url: string }) => { action: 'allow' | 'deny' };

export class FakeWebContents extends EventEmitter {
  readonly id = nextId++;
  readonly mainFrame: FakeWebFrame;
  destroyed = false;
  crashed = false;
  windowOpenHandler: WindowOpenHandler | null = null;
  readonly send = vi.fn();
  readonly session = fakeSession();
  /** What Electron's printToPDF resolves to: PDF bytes (a fixed stand-in here). */
  readonly printToPDF = vi.fn(async (_options: object) => Buffer.from('%PDF-1.7 fake\n'));

  constructor(url = 'app://clusterdeck/index.html') {
    super();
    this.mainFrame = new FakeWebFrame(url, nextId++);
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  isCrashed(): boolean {
    return this.crashed;
  }
  setWindowOpenHandler(handler: WindowOpenHandler): void {
    this.windowOpenHandler = handler;
  }
  /**
   * Emits an Electron-style cancellable event whose details carry `url`, as will-navigate and
   * will-redirect do (without the deprecated positional url); returns whether it was prevented.
   */
  emitCancellable(name: string, url: string, ...args: unknown[]): boolean {
    let prevented = false;
    this.emit(name, { url, preventDefault: () => (prevented = true) }, ...args);
    return prevented;
  }
}

function fakeSession() {
  return {
    permissionRequestHandler: null as null | ((...args: unknown[]) => void),
    permissionCheckHandler: null as null | ((...args: unknown[]) => boolean),
    devicePermissionHandler: null as null | ((...args: unknown[]) => boolean),
    setPermissionRequestHandler(handler: (...args: unknown[]) => void) {
      this.permissionRequestHandler = handler;
    },
    setPermissionCheckHandler(handler: (...args: unknown[]) => boolean) {
      this.permissionCheckHandler = handler;
    },
    setDevicePermissionHandler(handler: (...args: unknown[]) => boolean) {
      this.devicePermissionHandler = handler;
    },
    /** session.webRequest: records the onBeforeRequest listener (tests call it with a url). */
    webRequest: {
      beforeRequest: null as null | BeforeRequestListener,
      onBeforeRequest(listener: BeforeRequestListener) {
        this.beforeRequest = listener;
      },
    },
  };
}

export type BeforeRequestListener = (details: { url: string }, callback: (response: { cancel?: boolean }) => void) => void;

interface Bounds {
  x: number;
  y: number;
  width: number;
  height: number;
}

export class BrowserWindow extends EventEmitter {
  static readonly instances: BrowserWindow[] = [];
  /** Called with each new window, before the code that made it goes on (e.g. to set up its mocks). */
  static onCreate: ((win: BrowserWindow) => void) | null = null;
  readonly webContents = new FakeWebContents();
  readonly loadURL = vi.fn(async (_url: string) => {});
  readonly show = vi.fn();
  readonly focus = vi.fn();
  readonly restore = vi.fn();
  readonly maximize = vi.fn(() => {
    this.maximized = true;
  });
  destroyed = false;
  maximized = false;
  minimized = false;
  bounds: Bounds;

  constructor(readonly options: Record<string, unknown>) {
    super();
    this.bounds = { x: Number(options.x ?? 0), y: Number(options.y ?? 0), width: Number(options.width), height: Number(options.height) };
    BrowserWindow.instances.push(this);
    BrowserWindow.onCreate?.(this);
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  isMinimized(): boolean {
    return this.minimized;
  }
  isMaximized(): boolean {
    return this.maximized;
  }
  getNormalBounds(): Bounds {
    return this.bounds;
  }
  /** What Electron does on destroy: no 'close' event, the window and its contents are gone. */
  destroy(): void {
    this.destroyed = true;
    this.webContents.destroyed = true;
    this.emit('closed');
  }
  /** What Electron does on close: 'close', then the window and its contents are gone. */
  close(): void {
    this.emit('close', { preventDefault() {} });
    this.destroyed = true;
    this.webContents.destroyed = true;
    this.emit('closed');
  }
}

type InvokeHandler = (event: unknown, ...args: unknown[]) => unknown;

class FakeIpcMain extends EventEmitter {
  readonly handlers = new Map<string, InvokeHandler>();
  handle(channel: string, handler: InvokeHandler): void {
    if (this.handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    this.handlers.set(channel, handler);
  }
  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }
  /** What ipcRenderer.invoke from `event.sender`'s frame reaches in the main process. */
  async invoke(channel: string, event: { sender: FakeWebContents; senderFrame: FakeWebFrame | null }, ...args: unknown[]): Promise<unknown> {
    const handler = this.handlers.get(channel);
    if (!handler) throw new Error(`No handler registered for '${channel}'`);
    return handler(event, ...args);
  }
}

export const ipcMain = new FakeIpcMain();

class FakeIpcRenderer extends EventEmitter {
  readonly invoke = vi.fn(async (..._args: unknown[]): Promise<unknown> => ({ ok: true, value: null }));
}
export const ipcRenderer = new FakeIpcRenderer();

export const contextBridge = {
  exposed: new Map<string, unknown>(),
  exposeInMainWorld(key: string, api: unknown) {
    this.exposed.set(key, api);
  },
};

export const protocol = {
  privileged: [] as unknown[],
  handlers: new Map<string, (request: Request) => Promise<Response>>(),
  readyWhenRegistered: [] as boolean[],
  registerSchemesAsPrivileged(schemes: unknown[]) {
    this.privileged.push(...schemes);
    this.readyWhenRegistered.push(app.ready);
  },
  handle(scheme: string, handler: (request: Request) => Promise<Response>) {
    this.handlers.set(scheme, handler);
  },
};

class FakeApp extends EventEmitter {
  ready = false;
  isPackaged = false;
  gotLock = true;
  appPath = '/nonexistent-app';
  paths: Record<string, string> = { userData: '/nonexistent-user-data' };
  private readyGate: Promise<void> = Promise.resolve();
  private openGate: () => void = () => {};
  readonly quit = vi.fn(() => {
    this.emit('will-quit', { preventDefault() {} });
  });
  readonly exit = vi.fn();
  readonly enableSandbox = vi.fn(() => {
    if (this.ready) throw new Error('app.enableSandbox() must be called before the app is ready');
  });

  getAppPath(): string {
    return this.appPath;
  }
  getPath(name: string): string {
    const path = this.paths[name];
    if (!path) throw new Error(`no fake path for ${name}`);
    return path;
  }
  requestSingleInstanceLock(): boolean {
    return this.gotLock;
  }
  whenReady(): Promise<void> {
    return this.readyGate;
  }
  /** Makes whenReady() wait until becomeReady() is called. */
  holdReady(): void {
    this.readyGate = new Promise((open) => {
      this.openGate = () => {
        this.ready = true;
        open();
      };
    });
  }
  becomeReady(): void {
    this.openGate();
  }
}
export const app = new FakeApp();

/** A stand-in keychain: reversible, but never the plain text (tests check the file for it). */
export const safeStorage = {
  available: true,
  backend: 'gnome_libsecret',
  isEncryptionAvailable: vi.fn(() => safeStorage.available),
  getSelectedStorageBackend: vi.fn(() => safeStorage.backend),
  encryptString: vi.fn((text: string) => Buffer.concat([Buffer.from('v10'), Buffer.from(text, 'utf8').map((b) => b ^ 0x5a)])),
  decryptString: vi.fn((cipher: Buffer) => {
    if (cipher.subarray(0, 3).toString() !== 'v10') throw new Error('not our ciphertext');
    return Buffer.from(cipher.subarray(3).map((b) => b ^ 0x5a)).toString('utf8');
  }),
};

export const session = { defaultSession: fakeSession() };
export const shell = { openExternal: vi.fn(async (_url: string) => {}) };
export const dialog = { showErrorBox: vi.fn() };
export const screen = {
  displays: [{ workArea: { x: 0, y: 0, width: 1920, height: 1040 } }],
  getAllDisplays() {
    return this.displays;
  },
};

export interface FakeMenuItem {
  label?: string;
  type?: string;
  click?: () => void;
}
export const Menu = {
  buildFromTemplate: (template: FakeMenuItem[]) => ({ items: template }),
};

export const nativeImage = {
  createFromBuffer: (buffer: Buffer, options?: { scaleFactor?: number }) => ({ png: buffer, scaleFactor: options?.scaleFactor }),
};

export class Tray extends EventEmitter {
  static readonly instances: Tray[] = [];
  destroyed = false;
  tooltip = '';
  menu: { items: FakeMenuItem[] } | null = null;
  readonly setImage = vi.fn();
  constructor(public image: unknown) {
    super();
    Tray.instances.push(this);
  }
  setToolTip(text: string): void {
    this.tooltip = text;
  }
  setContextMenu(menu: { items: FakeMenuItem[] }): void {
    this.menu = menu;
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  destroy(): void {
    this.destroyed = true;
  }
}

/** Electron's OS notification: records its options; tests emit 'click' on it. */
export class Notification extends EventEmitter {
  static readonly instances: Notification[] = [];
  static supported = true;
  static isSupported(): boolean {
    return Notification.supported;
  }
  shown = false;
  closed = false;
  constructor(readonly options: object) {
    super();
    Notification.instances.push(this);
  }
  show(): void {
    this.shown = true;
    this.emit('show');
  }
  close(): void {
    this.closed = true;
    this.emit('close');
  }
}

/** Fresh state for the next test (the module object itself stays the same). */
export function resetFakeElectron(): void {
  safeStorage.available = true;
  safeStorage.backend = 'gnome_libsecret';
  vi.clearAllMocks();
  BrowserWindow.instances.length = 0;
  BrowserWindow.onCreate = null;
  Tray.instances.length = 0;
  Notification.instances.length = 0;
  Notification.supported = true;
  ipcMain.removeAllListeners();
  ipcMain.handlers.clear();
  ipcRenderer.removeAllListeners();
  contextBridge.exposed.clear();
  protocol.privileged.length = 0;
  protocol.handlers.clear();
  protocol.readyWhenRegistered.length = 0;
  app.removeAllListeners();
  Object.assign(app, { ready: true, isPackaged: false, gotLock: true, appPath: '/nonexistent-app', paths: { userData: '/nonexistent-user-data' } });
  app.holdReady();
  app.ready = false;
  session.defaultSession = fakeSession();
  screen.displays = [{ workArea: { x: 0, y: 0, width: 1920, height: 1040 } }];
}
