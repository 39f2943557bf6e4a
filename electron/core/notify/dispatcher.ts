/**
 * Hands notifications to the sinks without ever making the engine wait: deliver() only queues.
 * Each sink has its own bounded FIFO queue and sends one notification at a time; a send that
 * runs past the timeout is aborted and left behind, so a hanging or failing sink delays neither
 * the engine nor the other sinks.
 */
import type { Notification, NotificationSink } from '../alerts/types';

export interface DispatcherLog {
  warn(message: string): void;
  info(message: string): void;
}

export interface DispatcherOptions {
  sinks: readonly NotificationSink[];
  log: DispatcherLog;
  /** The longest one send may take (a webhook's retries included). */
  timeoutMs: number;
  /** Per sink; past it the oldest queued notification is dropped. */
  queueLimit?: number;
}

const DEFAULT_QUEUE_LIMIT = 100;
const MESSAGE_MAX_CHARS = 300;

function describe(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.length > MESSAGE_MAX_CHARS ? `${message.slice(0, MESSAGE_MAX_CHARS - 1)}…` : message;
}

class SinkWorker {
  private readonly queue: Notification[] = [];
  private sending: Promise<void> | null = null;
  private current: AbortController | null = null;
  private dropped = 0;
  /** Consecutive failures with the same message are logged once. */
  private failure: { message: string; count: number } | null = null;
  private closed = false;
  private readonly idleWaiters: Array<() => void> = [];

  constructor(
    private readonly sink: NotificationSink,
    private readonly options: { log: DispatcherLog; timeoutMs: number; queueLimit: number },
  ) {}

  enqueue(n: Notification): void {
    if (this.closed) return;
    this.queue.push(n);
    if (this.queue.length > this.options.queueLimit) {
      this.queue.shift();
      if (this.dropped === 0) this.options.log.warn(`notifications to ${this.sink.name}: queue full, dropping the oldest`);
      this.dropped += 1;
    }
    this.pump();
  }

  idle(): Promise<void> {
    if (!this.sending && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  close(): Promise<void> {
    this.closed = true;
    this.queue.length = 0;
    this.current?.abort(new Error('the dispatcher closed'));
    return this.idle();
  }

  private pump(): void {
    if (this.sending) return;
    const next = this.queue.shift();
    if (!next) {
      if (this.dropped > 0) {
        this.options.log.warn(`notifications to ${this.sink.name}: ${this.dropped} dropped while the queue was full`);
        this.dropped = 0;
      }
      for (const resolve of this.idleWaiters.splice(0)) resolve();
      return;
    }
    this.sending = this.sendOne(next).finally(() => {
      this.sending = null;
      this.pump();
    });
  }

  private async sendOne(n: Notification): Promise<void> {
    const controller = new AbortController();
    this.current = controller;
    const timer = setTimeout(() => controller.abort(new Error(`timed out after ${this.options.timeoutMs} ms`)), this.options.timeoutMs);
    // A sink that ignores the signal is left behind when it fires.
    const aborted = new Promise<never>((_, reject) => {
      controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true });
    });
    try {
      await Promise.race([Promise.resolve().then(() => this.sink.send(n, controller.signal)), aborted]);
      this.succeeded();
    } catch (error) {
      this.failed(describe(error));
    } finally {
      clearTimeout(timer);
      this.current = null;
      // The race's loser must not surface as an unhandled rejection.
      aborted.catch(() => {});
    }
  }

  private succeeded(): void {
    if (this.failure) this.options.log.info(`notifications to ${this.sink.name} work again (after ${this.failure.count} failed)`);
    this.failure = null;
  }

  private failed(message: string): void {
    if (this.failure?.message === message) {
      this.failure.count += 1;
      return;
    }
    const earlier = this.failure ? ` (the previous error came ${this.failure.count} times)` : '';
    this.failure = { message, count: 1 };
    this.options.log.warn(`a notification to ${this.sink.name} failed: ${message}${earlier}`);
  }
}

export class NotificationDispatcher {
  private readonly workers: SinkWorker[];

  constructor(options: DispatcherOptions) {
    const workerOptions = { log: options.log, timeoutMs: options.timeoutMs, queueLimit: options.queueLimit ?? DEFAULT_QUEUE_LIMIT };
    this.workers = options.sinks.map((sink) => new SinkWorker(sink, workerOptions));
  }

  /** Queues each notification for every sink and returns at once. */
  deliver(notifications: readonly Notification[]): void {
    for (const n of notifications) for (const worker of this.workers) worker.enqueue(n);
  }

  /** Settles when every queue is empty and no send is under way. */
  async idle(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.idle()));
  }

  /** Drops what is queued, aborts the sends under way and settles when they have stopped. */
  async close(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.close()));
  }
}
