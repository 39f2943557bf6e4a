/**
 * The renderer's one door into the engine: a single invoke channel, answered through
 * dispatchCall (name and payload validated there), only for the app's own top frame; and the
 * engine's events pushed to live windows on a single event channel.
 */
import { ipcMain, type IpcMainInvokeEvent, type WebContents, type WebFrameMain } from 'electron';
import type { CallHandlers, CallResult } from '../../shared/contract';
import { dispatchCall } from '../../shared/dispatch';
import type { Engine } from '../core/engine';
import type { Logger } from '../core/log';
import { isAppUrl } from './app-url';

/** Must match the literals in electron/preload/preload.ts (a sandboxed preload imports nothing). */
export const CALL_CHANNEL = 'clusterdeck:call';
export const EVENT_CHANNEL = 'clusterdeck:event';

export interface IpcBindingOptions {
  /** With callerHandlers, each window is its own caller (its own profile); without, all share engine.handlers. */
  engine: Pick<Engine, 'handlers' | 'events'> & Partial<Pick<Engine, 'callerHandlers'>>;
  /** The web contents of our own windows: the only ones that may call and that get events. */
  trustedContents: () => readonly WebContents[];
  log: Logger;
}

function sameFrame(a: WebFrameMain, b: WebFrameMain): boolean {
  return a.processId === b.processId && a.routingId === b.routingId;
}

/**
 * The caller must be the top frame of one of our windows, showing a page from app://clusterdeck.
 * A subframe, a page navigated elsewhere, or any other web contents is refused.
 */
export function isTrustedSender(event: Pick<IpcMainInvokeEvent, 'sender' | 'senderFrame'>, trusted: readonly WebContents[]): boolean {
  const frame = event.senderFrame;
  if (!frame || frame.parent !== null) return false;
  const contents = trusted.find((candidate) => !candidate.isDestroyed() && candidate.id === event.sender.id);
  if (!contents) return false;
  return sameFrame(frame, contents.mainFrame) && isAppUrl(frame.url);
}

const REFUSED: CallResult<never> = {
  ok: false,
  error: { code: 'bad-request', message: 'refused: only the Clusterdeck window may call the engine' },
};

/** Registers the call channel and event forwarding; returns the function that removes both. */
export function bindIpc({ engine, trustedContents, log }: IpcBindingOptions): () => void {
  // Each window's handlers (its profile), made on its first call, gone with the window.
  const windowHandlers = new WeakMap<WebContents, CallHandlers>();
  const handlersOf = (contents: WebContents): CallHandlers => {
    if (!engine.callerHandlers) return engine.handlers;
    let handlers = windowHandlers.get(contents);
    if (!handlers) windowHandlers.set(contents, (handlers = engine.callerHandlers()));
    return handlers;
  };
  ipcMain.handle(CALL_CHANNEL, async (event, name: unknown, payload: unknown): Promise<CallResult<unknown>> => {
    if (!isTrustedSender(event, trustedContents())) {
      log.warn(`refused an engine call from ${event.senderFrame?.url || 'a frame that is gone'}`);
      return REFUSED;
    }
    const contents = trustedContents().find((candidate) => candidate.id === event.sender.id)!;
    return dispatchCall(handlersOf(contents), name, payload, (error, callName) => log.error(`call ${callName} failed`, error));
  });

  const unsubscribe = engine.events.onAny((name, payload) => {
    for (const contents of trustedContents()) {
      // A window that is closing, crashed or (against every guard) navigated away gets nothing.
      if (contents.isDestroyed() || contents.isCrashed() || !isAppUrl(contents.mainFrame.url)) continue;
      try {
        contents.send(EVENT_CHANNEL, name, payload);
      } catch (error) {
        log.warn(`could not forward ${name} to a window: ${(error as Error).message}`);
      }
    }
  });

  return () => {
    unsubscribe();
    ipcMain.removeHandler(CALL_CHANNEL);
  };
}
