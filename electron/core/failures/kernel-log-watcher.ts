/**
 * Reads every node's kernel log every intervalMs and records the Xid and fallen-off-the-bus
 * events it finds (each once, kernel-event-store.ts), handing the new ones on. Per node never two
 * reads at once; a slow or dead node holds one of `concurrency` slots at most until its read's
 * deadline, never the others; problems and capabilities are logged when they change, not on
 * every read. Its timer never keeps the process alive.
 */
import type { StoredKernelEvent } from '../alerts/types';
import type { HostRegistry } from '../hosts/registry';
import { silentLogger, type Logger } from '../log';
import { systemClock, type Clock } from '../scheduler';
import type { KernelEventStore } from './kernel-event-store';
import { DMESG_CLOCK_SLACK_MS, type DmesgMark } from './dmesg-since';
import { DEFAULT_READ_TIMEOUT_MS, readKernelLog, type ReadKernelLogOptions } from './kernel-log-reader';
import { parseXidEvents } from './xid';

export interface KernelLogWatcherOptions {
  hosts: HostRegistry;
  store: KernelEventStore;
  intervalMs: number;
  clock?: Clock;
  log?: Logger;
  /** The events a read recorded for the first time (never called with none). */
  onEvents?: (nodeId: string, events: StoredKernelEvent[]) => void;
  /** Reads at once across nodes (default 8). */
  concurrency?: number;
  read?: ReadKernelLogOptions;
}

export { DMESG_CLOCK_SLACK_MS };
export const DEFAULT_CONCURRENCY = 8;
export const MIN_INTERVAL_MS = 1000;

interface NodeState {
  running: Promise<void> | null;
  followUp: Promise<void> | null;
  capability: string | null;
  problem: string | null;
  warnings: string;
  /** Where the last dmesg read ended (in memory: after a restart the first read parses all, and records nothing twice). */
  dmesgMark: DmesgMark | null;
}

export class KernelLogWatcher {
  private readonly hosts: HostRegistry;
  private readonly store: KernelEventStore;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly onEvents: (nodeId: string, events: StoredKernelEvent[]) => void;
  private readonly concurrency: number;
  private readonly readOptions: ReadKernelLogOptions;
  /** A read holds its slot this long at most (its commands' limits, and time to connect). */
  private readonly slotMs: number;
  private intervalMs: number;
  private readonly nodes = new Map<string, NodeState>();
  private readonly waiting: Array<() => void> = [];
  private busySlots = 0;
  private timer: NodeJS.Timeout | null = null;
  private started = false;

  constructor(options: KernelLogWatcherOptions) {
    this.hosts = options.hosts;
    this.store = options.store;
    this.clock = options.clock ?? systemClock;
    this.log = options.log ?? silentLogger;
    this.onEvents = options.onEvents ?? (() => {});
    this.concurrency = Math.max(1, Math.floor(options.concurrency ?? DEFAULT_CONCURRENCY));
    this.readOptions = options.read ?? {};
    // journalctl (twice after a reboot), then dmesg, each within its limit, plus a connect.
    this.slotMs = 3 * (this.readOptions.timeoutMs ?? DEFAULT_READ_TIMEOUT_MS) + 15_000;
    this.intervalMs = checkedInterval(options.intervalMs);
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.tick();
    this.schedule();
  }

  /** Stops the timer; resolves once the reads in flight have settled (they still record). */
  stop(): Promise<void> {
    this.started = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const inFlight = [...this.nodes.values()].flatMap((s) => [s.running, s.followUp]).filter((p): p is Promise<void> => p !== null);
    return Promise.all(inFlight).then(() => {});
  }

  setInterval(ms: number): void {
    this.intervalMs = checkedInterval(ms);
    if (!this.started) return;
    if (this.timer) clearTimeout(this.timer);
    this.schedule();
  }

  /**
   * Reads the node (every node without an id) now, or right after the read in flight, and
   * resolves when that read is recorded. Never rejects: a failing node is logged.
   */
  pollNow(nodeId?: string): Promise<void> {
    const ids = nodeId === undefined ? this.hosts.ids() : [nodeId];
    return Promise.all(ids.map((id) => this.request(id, true))).then(() => {});
  }

  /** Why the node's kernel log cannot be read as its login user (with the fix), or null. */
  capability(nodeId: string): string | null {
    return this.nodes.get(nodeId)?.capability ?? null;
  }

  // ---- scheduling ----

  private schedule(): void {
    this.timer = setTimeout(() => {
      this.tick();
      if (this.started) this.schedule();
    }, this.intervalMs);
    this.timer.unref();
  }

  private tick(): void {
    const ids = new Set(this.hosts.ids());
    for (const [id, s] of this.nodes) if (!ids.has(id) && s.running === null && s.followUp === null) this.nodes.delete(id);
    // A node still reading from the last tick is left to finish: reads never pile up.
    for (const id of ids) if (this.state(id).running === null) void this.request(id, false);
  }

  private state(nodeId: string): NodeState {
    let s = this.nodes.get(nodeId);
    if (!s) {
      s = { running: null, followUp: null, capability: null, problem: null, warnings: '', dmesgMark: null };
      this.nodes.set(nodeId, s);
    }
    return s;
  }

  private request(nodeId: string, fresh: boolean): Promise<void> {
    const s = this.state(nodeId);
    if (s.running === null) return this.begin(nodeId, s);
    // The read in flight may have started before what the caller wants to see: read once more after it.
    if (!fresh) return s.running;
    s.followUp ??= s.running.then(() => {
      s.followUp = null;
      return s.running ?? this.begin(nodeId, s);
    });
    return s.followUp;
  }

  private begin(nodeId: string, s: NodeState): Promise<void> {
    const run = this.withSlot(() => this.readOnce(nodeId, s)).finally(() => {
      if (s.running === run) s.running = null;
    });
    s.running = run;
    return run;
  }

  /** Runs `task` in one of the slots; a task past slotMs gives its slot back and goes on outside. */
  private async withSlot(task: () => Promise<void>): Promise<void> {
    if (this.busySlots >= this.concurrency) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.busySlots += 1;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      // The slot passes straight to the next waiter (the count stays), or is freed.
      if (next) next();
      else this.busySlots -= 1;
    };
    const timer = setTimeout(release, this.slotMs);
    timer.unref();
    try {
      await task();
    } finally {
      clearTimeout(timer);
      release();
    }
  }

  // ---- one read ----

  private async readOnce(nodeId: string, s: NodeState): Promise<void> {
    const host = this.hosts.get(nodeId);
    if (!host) return;
    try {
      const read = await readKernelLog(host, this.store.cursor(nodeId), this.readOptions, s.dmesgMark);
      this.setCapability(nodeId, s, read.capability);
      this.setProblem(nodeId, s, null);
      if (read.capability !== null) return;
      const { events, warnings } = parseXidEvents(read.records);
      this.setWarnings(nodeId, s, [...read.warnings, ...warnings]);
      const now = this.clock.now();
      const recorded = this.store.record(nodeId, read.bootId, events, now, { clockSlackMs: read.source === 'dmesg' ? DMESG_CLOCK_SLACK_MS : 0 });
      this.store.setCursor(nodeId, { bootId: read.bootId, source: read.source, cursor: read.cursor }, now);
      // Only once its events are recorded: a read that failed to record is parsed again.
      s.dmesgMark = read.dmesgMark;
      if (recorded.length > 0) {
        try {
          this.onEvents(nodeId, recorded);
        } catch (error) {
          this.log.error(`kernel log of ${nodeId}: handing on ${recorded.length} new event(s) failed`, error);
        }
      }
    } catch (error) {
      this.setProblem(nodeId, s, error instanceof Error ? error.message : String(error));
    }
  }

  private setCapability(nodeId: string, s: NodeState, capability: string | null): void {
    if (capability === s.capability) return;
    if (capability !== null) this.log.warn(`kernel log of ${nodeId}: ${capability}`);
    else if (s.capability !== null) this.log.info(`kernel log of ${nodeId}: readable again`);
    s.capability = capability;
  }

  private setProblem(nodeId: string, s: NodeState, problem: string | null): void {
    if (problem === s.problem) return;
    if (problem !== null) this.log.warn(`kernel log of ${nodeId}: ${problem}`);
    else if (s.problem !== null) this.log.info(`kernel log of ${nodeId}: read again`);
    s.problem = problem;
  }

  private setWarnings(nodeId: string, s: NodeState, warnings: readonly string[]): void {
    const text = warnings.join('; ');
    if (text === s.warnings) return;
    s.warnings = text;
    if (text !== '') this.log.warn(`kernel log of ${nodeId}: ${text}`);
  }
}

function checkedInterval(ms: number): number {
  if (!Number.isFinite(ms) || ms < MIN_INTERVAL_MS) throw new RangeError(`the kernel log interval must be at least ${MIN_INTERVAL_MS} ms, not ${ms}`);
  return Math.floor(ms);
}
