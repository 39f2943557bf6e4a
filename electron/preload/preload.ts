/**
 * The bridge the renderer sees as window.clusterdeck: two functions over the two IPC channels,
 * nothing else. It runs sandboxed, where only 'electron' can be required, so it imports types
 * only and repeats the channel names (electron/main/ipc.ts has the same; a test keeps them equal).
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { CallResult } from '../../shared/contract';

const CALL_CHANNEL = 'clusterdeck:call';
const EVENT_CHANNEL = 'clusterdeck:event';

/** The shape renderer/src/api.ts expects as PreloadBridge. */
export interface ClusterdeckBridge {
  invoke(name: string, payload: unknown): Promise<CallResult<unknown>>;
  subscribe(listener: (name: string, payload: unknown) => void): () => void;
}

export const bridge: ClusterdeckBridge = {
  // Exactly two arguments cross: the page cannot reach another channel or pass extra values.
  invoke: (name, payload) => ipcRenderer.invoke(CALL_CHANNEL, name, payload) as Promise<CallResult<unknown>>,
  subscribe: (listener) => {
    if (typeof listener !== 'function') throw new TypeError('subscribe needs a listener function');
    // The IPC event object (it holds ipcRenderer as `sender`) never reaches the page.
    const forward = (_event: IpcRendererEvent, name: unknown, payload: unknown) => {
      if (typeof name === 'string') listener(name, payload);
    };
    ipcRenderer.on(EVENT_CHANNEL, forward);
    return () => {
      ipcRenderer.removeListener(EVENT_CHANNEL, forward);
    };
  },
};

contextBridge.exposeInMainWorld('clusterdeck', bridge);
