/**
 * The one subscription to 'alerts:changed': the nav item, the status bar, the fleet's rows and
 * heatmap and the node page all read the same summary, asked for once and then pushed by events.
 */
import type { AlertSummary } from '../../../shared/model/alerts';
import { api } from '../api';
import { describeError } from '../errors';

type Listener = () => void;

/** While the engine cannot answer (not wired yet, restarting), ask again this often at most. */
const RETRY_MS = 15_000;

class AlertSummaryStore {
  private summary: AlertSummary | null = null;
  private error: string | null = null;
  private readonly listeners = new Set<Listener>();
  private started = false;
  private retry: number | null = null;

  start(): void {
    if (this.started) return;
    this.started = true;
    api.on('alerts:changed', (summary) => {
      this.summary = summary;
      this.error = null;
      this.emit();
    });
    // Events sent while the stream was down are lost: ask again when it comes back.
    api.onStreamState((state) => {
      if (state === 'open') this.load();
    });
    this.load();
  }

  private load(): void {
    if (this.retry !== null) window.clearTimeout(this.retry);
    this.retry = null;
    api.call('alerts:summary', {}).then(
      (summary) => {
        this.summary = summary;
        this.error = null;
        this.emit();
      },
      (reason: unknown) => {
        this.error = `Could not read the alert summary: ${describeError(reason)}`;
        this.emit();
        this.retry = window.setTimeout(() => this.load(), RETRY_MS);
      },
    );
  }

  private emit(): void {
    for (const listener of [...this.listeners]) listener();
  }

  subscribe = (listener: Listener): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  current = (): AlertSummary | null => this.summary;
  currentError = (): string | null => this.error;
}

export const alertSummaryStore = new AlertSummaryStore();
