import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { PreloadBridge } from '../../../renderer/src/api';
import { CALL_CHANNEL, EVENT_CHANNEL } from '../../../electron/main/ipc';
import type { ClusterdeckBridge } from '../../../electron/preload/preload';
import * as electron from './fake-electron';

vi.mock('electron', () => import('./fake-electron.js'));

// Compile-time: what the preload exposes is what the renderer expects.
const _fitsRenderer = (bridge: ClusterdeckBridge): PreloadBridge => bridge;

let bridge: Record<string, unknown> & ClusterdeckBridge;

beforeAll(async () => {
  electron.resetFakeElectron();
  await import('../../../electron/preload/preload.js');
  bridge = electron.contextBridge.exposed.get('clusterdeck') as typeof bridge;
});

describe('the preload bridge', () => {
  it('exposes window.clusterdeck with invoke and subscribe, and nothing else', () => {
    expect([...electron.contextBridge.exposed.keys()]).toEqual(['clusterdeck']);
    expect(Object.keys(bridge).sort()).toEqual(['invoke', 'subscribe']);
    expect(Object.values(bridge).every((value) => typeof value === 'function')).toBe(true);
  });

  it('invokes the one call channel, with exactly the name and payload', async () => {
    electron.ipcRenderer.invoke.mockResolvedValueOnce({ ok: true, value: 'answer' });
    const invoke = bridge.invoke as (...args: unknown[]) => Promise<unknown>;
    await expect(invoke('nodes:list', { a: 1 }, 'smuggled', 'extra')).resolves.toEqual({ ok: true, value: 'answer' });
    expect(electron.ipcRenderer.invoke).toHaveBeenCalledWith(CALL_CHANNEL, 'nodes:list', { a: 1 });
  });

  it('delivers events as (name, payload) without the IPC event object, until unsubscribed', () => {
    const listener = vi.fn();
    const unsubscribe = bridge.subscribe(listener);
    const ipcEvent = { sender: electron.ipcRenderer };
    electron.ipcRenderer.emit(EVENT_CHANNEL, ipcEvent, 'engine:statusChanged', { state: 'running' });
    expect(listener).toHaveBeenCalledWith('engine:statusChanged', { state: 'running' });
    expect(listener.mock.calls[0]).toHaveLength(2);

    unsubscribe();
    electron.ipcRenderer.emit(EVENT_CHANNEL, ipcEvent, 'engine:statusChanged', { state: 'stopped' });
    expect(listener).toHaveBeenCalledTimes(1);
    expect(electron.ipcRenderer.listenerCount(EVENT_CHANNEL)).toBe(0);
  });

  it('ignores events on other channels and events without a name', () => {
    const listener = vi.fn();
    const unsubscribe = bridge.subscribe(listener);
    electron.ipcRenderer.emit('some-other-channel', {}, 'engine:statusChanged', {});
    electron.ipcRenderer.emit(EVENT_CHANNEL, {}, 42, {});
    expect(listener).not.toHaveBeenCalled();
    unsubscribe();
  });

  it('refuses a subscriber that is not a function', () => {
    expect(() => bridge.subscribe('alert(1)' as never)).toThrow(TypeError);
  });

  it('uses the same channel names as electron/main/ipc.ts', () => {
    const source = readFileSync(join(__dirname, '../../../electron/preload/preload.ts'), 'utf8');
    expect(source).toContain(`'${CALL_CHANNEL}'`);
    expect(source).toContain(`'${EVENT_CHANNEL}'`);
  });

  it('loads nothing at run time but electron (a sandboxed preload cannot)', () => {
    const source = readFileSync(join(__dirname, '../../../electron/preload/preload.ts'), 'utf8');
    const runtimeImports = [...source.matchAll(/^import\s+(?!type\s)[^;]*?from\s+'([^']+)'/gm)].map((match) => match[1]);
    expect(runtimeImports).toEqual(['electron']);
    expect(source).not.toMatch(/\brequire\(/);
  });
});
