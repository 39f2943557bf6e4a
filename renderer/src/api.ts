/**
 * The renderer's only way to the engine, and the only file that knows the transport: the
 * preload bridge inside Electron, HTTP + server-sent events under `clusterdeck serve`.
 * Pages import `api` and never look further.
 */
import {
  EVENT_NAMES,
  type CallError,
  type CallName,
  type CallRequest,
  type CallResponse,
  type CallResult,
  type ClusterdeckApi,
  type EventName,
  type EventPayload,
} from '../../shared/contract';
import { abortError } from './abort';

/** What electron/preload exposes on window.clusterdeck. */
export interface PreloadBridge {
  invoke(name: string, payload: unknown): Promise<CallResult<unknown>>;
  subscribe(listener: (name: string, payload: unknown) => void): () => void;
}

declare global {
  interface Window {
    clusterdeck?: PreloadBridge;
  }
}

/** A call the engine refused or failed; `code` says which. */
export class ApiError extends Error {
  readonly code: CallError['code'] | 'transport';
  constructor(code: CallError['code'] | 'transport', message: string) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
  }
}

type Listener = (payload: unknown) => void;

class Fanout {
  private readonly listeners = new Map<string, Set<Listener>>();
  /** When the last event of any kind arrived (client time), null before the first. */
  lastEventAt: number | null = null;
  add(name: string, listener: Listener): () => void {
    let set = this.listeners.get(name);
    if (!set) this.listeners.set(name, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  }
  emit(name: string, payload: unknown): void {
    this.lastEventAt = Date.now();
    for (const listener of this.listeners.get(name) ?? []) listener(payload);
  }
}

function unwrap<T>(result: CallResult<unknown>): T {
  if (result.ok) return result.value as T;
  throw new ApiError(result.error.code, result.error.message);
}

/** Per-call options the renderer may pass on top of the contract. */
export interface CallOptions {
  /**
   * Abandons the call: its promise rejects with an AbortError. Over HTTP the request is
   * cancelled (a queued one is never sent); over IPC the answer is only ignored.
   */
  signal?: AbortSignal;
}

/** The contract's API, plus cancellation. */
export interface RendererApi extends ClusterdeckApi {
  call<C extends CallName>(name: C, request: CallRequest<C>, options?: CallOptions): Promise<CallResponse<C>>;
}

/** Rejects as soon as the signal aborts, whatever the transport does with the call. */
function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(abortError());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortError());
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

function createIpcApi(bridge: PreloadBridge): RendererApi & Pick<StreamStatus, 'lastEventAt' | 'listeningSince'> {
  const fanout = new Fanout();
  bridge.subscribe((name, payload) => fanout.emit(name, payload));
  return {
    lastEventAt: () => fanout.lastEventAt,
    listeningSince: Date.now(),
    async call<C extends CallName>(name: C, request: CallRequest<C>, options?: CallOptions): Promise<CallResponse<C>> {
      return unwrap(await abortable(bridge.invoke(name, request), options?.signal));
    },
    on(name, listener) {
      return fanout.add(name, listener as Listener);
    },
  };
}

/** Connection state of the HTTP event stream, for the status bar. */
export type StreamState = 'connecting' | 'open' | 'closed';

/** What the status bar needs to show whether live events are flowing. */
interface StreamStatus {
  streamState(): StreamState;
  onStreamState(listener: (state: StreamState) => void): () => void;
  /** When the last event arrived (client time; null before the first), to tell a silent stream from a live one. */
  lastEventAt(): number | null;
  /** When this window began listening (client time). */
  readonly listeningSince: number;
}

function createHttpApi(): RendererApi & StreamStatus {
  const fanout = new Fanout();
  const stateListeners = new Set<(state: StreamState) => void>();
  // Kept so a component mounting after the stream opened still learns its state.
  let current: StreamState = 'connecting';
  const setState = (state: StreamState) => {
    current = state;
    stateListeners.forEach((l) => l(state));
  };
  // The session cookie set when the page was opened with ?token= authenticates these requests.
  const source = new EventSource('api/events');
  source.onopen = () => setState('open');
  source.onerror = () => setState(source.readyState === EventSource.CLOSED ? 'closed' : 'connecting');
  for (const name of EVENT_NAMES) {
    source.addEventListener(name, (event) => {
      try {
        fanout.emit(name, JSON.parse((event as MessageEvent<string>).data));
      } catch {
        // a malformed event is dropped; the next snapshot replaces it
      }
    });
  }
  return {
    async call<C extends CallName>(name: C, request: CallRequest<C>, options?: CallOptions): Promise<CallResponse<C>> {
      const signal = options?.signal;
      let response: Response;
      try {
        // The server routes /api/call/area:verb with the colon as is, so only the parts are encoded.
        response = await fetch(`api/call/${name.split(':').map(encodeURIComponent).join(':')}`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify(request ?? {}),
          credentials: 'same-origin',
          signal,
        });
      } catch (error) {
        if (signal?.aborted) throw abortError();
        throw new ApiError('transport', `cannot reach the Clusterdeck server: ${(error as Error).message}`);
      }
      if (response.status === 401) throw new ApiError('transport', 'not authorised: open the URL that `clusterdeck serve` printed');
      let body: CallResult<unknown>;
      try {
        body = (await response.json()) as CallResult<unknown>;
      } catch {
        if (signal?.aborted) throw abortError();
        throw new ApiError('transport', `unexpected answer from the server (HTTP ${response.status})`);
      }
      return unwrap(body);
    },
    on<E extends EventName>(name: E, listener: (payload: EventPayload<E>) => void) {
      return fanout.add(name, listener as Listener);
    },
    streamState: () => current,
    lastEventAt: () => fanout.lastEventAt,
    listeningSince: Date.now(),
    onStreamState(listener) {
      stateListeners.add(listener);
      return () => stateListeners.delete(listener);
    },
  };
}

function createApi(): RendererApi & StreamStatus & { transport: 'ipc' | 'http' } {
  if (window.clusterdeck) {
    // IPC events cannot drop while the window lives, so the stream is always open.
    return { ...createIpcApi(window.clusterdeck), transport: 'ipc', streamState: () => 'open', onStreamState: () => () => {} };
  }
  return { ...createHttpApi(), transport: 'http' };
}

export const api = createApi();
