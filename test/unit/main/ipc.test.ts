import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_CONFIG } from '../../../shared/config';
import { createEngine, type Engine } from '../../../electron/core/engine';
import { silentLogger } from '../../../electron/core/log';
import { CALL_CHANNEL, EVENT_CHANNEL, bindIpc } from '../../../electron/main/ipc';
import * as electron from './fake-electron';

vi.mock('electron', () => import('./fake-electron.js'));

let engine: Engine;
let window: electron.FakeWebContents;
let trusted: electron.FakeWebContents[];
let dispose: () => void;
const log = { ...silentLogger, warn: vi.fn(), error: vi.fn() };

beforeEach(() => {
  electron.resetFakeElectron();
  // The real engine: its handlers, an in-memory store, no collectors (nothing runs on this machine).
  engine = createEngine({ config: DEFAULT_CONFIG, dbPath: ':memory:', configPath: '/c/config.yaml', mode: 'desktop', collectors: [], log: silentLogger });
  window = new electron.FakeWebContents('app://clusterdeck/index.html');
  trusted = [window];
  dispose = bindIpc({ engine, trustedContents: () => trusted as never, log });
});

afterEach(() => {
  dispose();
  engine.close();
});

/** An invoke as it arrives from `contents`, sent by `frame` (its main frame unless given). */
function call(contents: electron.FakeWebContents, name: unknown, payload: unknown, frame: electron.FakeWebFrame | null = contents.mainFrame) {
  return electron.ipcMain.invoke(CALL_CHANNEL, { sender: contents, senderFrame: frame }, name, payload);
}

describe('the IPC binding', () => {
  it('registers one invoke channel and nothing else on ipcMain', () => {
    expect([...electron.ipcMain.handlers.keys()]).toEqual(['clusterdeck:call']);
    expect(electron.ipcMain.eventNames()).toEqual([]);
  });

  it('leaves every other channel unanswered', async () => {
    await expect(electron.ipcMain.invoke('clusterdeck:exec', { sender: window, senderFrame: window.mainFrame }, 'rm -rf /')).rejects.toThrow(
      /No handler registered/,
    );
  });

  it('answers a good call from our window with {ok:true} and the engine value', async () => {
    expect(await call(window, 'engine:status', {})).toEqual({ ok: true, value: engine.status() });
    expect(await call(window, 'app:info', {})).toMatchObject({ ok: true, value: { mode: 'desktop', dbPath: ':memory:', configError: null } });
    expect(await call(window, 'nodes:list', undefined)).toEqual({ ok: true, value: [] });
  });

  it.each([['engine:stop'], ['__proto__'], ['toString'], [42], [null], [{ name: 'nodes:list' }]])('refuses the unknown call name %j', async (name) => {
    expect(await call(window, name, {})).toMatchObject({ ok: false, error: { code: 'unknown-call' } });
  });

  it.each([
    ['nodes:latest', {}],
    ['nodes:latest', { nodeId: '' }],
    ['nodes:list', { extra: true }],
    ['metrics:query', { nodeId: 'n', metric: 'cpu.util_pct', fromMs: 5, toMs: 1, maxPoints: 10 }],
    ['engine:status', 'a string'],
  ])('refuses a bad payload for %s: %j', async (name, payload) => {
    expect(await call(window, name, payload)).toMatchObject({ ok: false, error: { code: 'bad-request' } });
  });

  describe('refuses callers other than our window top frame on app://clusterdeck', () => {
    it('another web contents, even on the app origin', async () => {
      const stranger = new electron.FakeWebContents('app://clusterdeck/index.html');
      expect(await call(stranger, 'engine:status', {})).toMatchObject({ ok: false, error: { code: 'bad-request', message: /refused/ } });
    });

    it('a subframe of our window', async () => {
      const iframe = window.mainFrame.child('app://clusterdeck/index.html');
      expect(await call(window, 'engine:status', {}, iframe)).toMatchObject({ ok: false });
    });

    it('a top frame that claims to be ours but is not our main frame', async () => {
      const impostor = new electron.FakeWebFrame('app://clusterdeck/index.html', window.mainFrame.processId);
      expect(await call(window, 'engine:status', {}, impostor)).toMatchObject({ ok: false });
    });

    it.each([['https://evil.example/'], ['file:///tmp/x.html'], ['app://other/index.html'], ['about:blank'], ['']])(
      'our main frame after it was navigated to %j',
      async (url) => {
        window.mainFrame.url = url;
        expect(await call(window, 'engine:status', {})).toMatchObject({ ok: false });
      },
    );

    it('a frame that is already gone, or a window that was destroyed', async () => {
      expect(await call(window, 'engine:status', {}, null)).toMatchObject({ ok: false });
      window.destroyed = true;
      expect(await call(window, 'engine:status', {})).toMatchObject({ ok: false });
    });

    it('and never runs the handler for them', async () => {
      const handler = vi.spyOn(engine.handlers, 'nodes:list');
      await call(new electron.FakeWebContents(), 'nodes:list', {});
      expect(handler).not.toHaveBeenCalled();
      expect(log.warn).toHaveBeenCalledWith(expect.stringContaining('refused'));
    });
  });

  it('forwards engine events as (name, payload) to live windows on the app origin only', () => {
    const second = new electron.FakeWebContents();
    const closed = new electron.FakeWebContents();
    closed.destroyed = true;
    const crashed = new electron.FakeWebContents();
    crashed.crashed = true;
    const elsewhere = new electron.FakeWebContents('https://evil.example/');
    trusted = [window, second, closed, crashed, elsewhere];

    const status = { ...engine.status(), state: 'running' as const };
    engine.events.emit('engine:statusChanged', status);

    expect(window.send).toHaveBeenCalledWith(EVENT_CHANNEL, 'engine:statusChanged', status);
    expect(second.send).toHaveBeenCalledWith(EVENT_CHANNEL, 'engine:statusChanged', status);
    for (const contents of [closed, crashed, elsewhere]) expect(contents.send).not.toHaveBeenCalled();
  });

  it('keeps forwarding to the others when one window throws', () => {
    const second = new electron.FakeWebContents();
    window.send.mockImplementation(() => {
      throw new Error('Render frame was disposed');
    });
    trusted = [window, second];
    engine.events.emit('engine:statusChanged', engine.status());
    expect(second.send).toHaveBeenCalledTimes(1);
  });

  it('unbinds completely: no handler, no more events', async () => {
    dispose();
    expect(electron.ipcMain.handlers.size).toBe(0);
    engine.events.emit('engine:statusChanged', engine.status());
    expect(window.send).not.toHaveBeenCalled();
    dispose = () => {};
  });
});
