/**
 * Where `nvidia-smi -q -x` text is parsed: in a worker thread, never on the engine's thread.
 * The XML comes from nodes we do not trust; even within its bounds (nvidia-smi-xml.ts) a
 * document costs tens to hundreds of milliseconds to parse, and in the desktop app the engine
 * thread is Electron's main process. The worker parses one document at a time with a small heap
 * and a deadline: a document that takes longer costs the worker (terminated, started anew), not
 * the engine. Where the compiled worker is missing (tests on the TypeScript sources) or cannot
 * start, parsing happens inline, still within the document bounds.
 */
import { existsSync } from 'node:fs';
import { join, sep } from 'node:path';
import { Worker } from 'node:worker_threads';
import { XmlParseError } from '../xml/safe-xml';
import { parseNvidiaSmiXml, type NvidiaSmiReport } from './nvidia-smi-xml';

export interface NvidiaSmiXmlParser {
  /** True when documents are parsed in a worker thread. */
  readonly threaded: boolean;
  /** The report, or a rejection with XmlParseError saying why the text is not one. */
  parse(text: string): Promise<NvidiaSmiReport>;
  close(): void;
}

/** A document still parsing after this long is given up (8 real GPUs parse in about 35 ms). */
export const XML_PARSE_DEADLINE_MS = 2_000;

/** Threads that die before starting, in a row, before documents are parsed inline instead. */
const MAX_START_FAILURES = 3;

type Answer = { id: number; report: NvidiaSmiReport } | { id: number; error: string; parseError: boolean };

class InlineXmlParser implements NvidiaSmiXmlParser {
  readonly threaded = false;
  parse(text: string): Promise<NvidiaSmiReport> {
    try {
      return Promise.resolve(parseNvidiaSmiXml(text));
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }
  close(): void {}
}

interface Job {
  id: number;
  text: string;
  resolve: (report: NvidiaSmiReport) => void;
  reject: (error: Error) => void;
  retried?: boolean;
}

class WorkerXmlParser implements NvidiaSmiXmlParser {
  readonly threaded = true;
  private worker: Worker | null = null;
  /** The current thread has answered once (one that dies before that could not start). */
  private workerAnswered = false;
  private readonly queue: Job[] = [];
  private running: Job | null = null;
  private deadline: NodeJS.Timeout | null = null;
  private nextId = 1;
  private closed = false;
  /** Workers that failed to start in a row; past a few, documents are parsed inline. */
  private startFailures = 0;
  private readonly inline = new InlineXmlParser();

  constructor(
    private readonly script: string,
    private readonly deadlineMs: number,
  ) {}

  parse(text: string): Promise<NvidiaSmiReport> {
    if (this.closed) return Promise.reject(new Error('the XML parser is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, text, resolve, reject });
      this.pump();
    });
  }

  private spawn(): Worker {
    const worker = new Worker(this.script, {
      // A bounded document needs little memory; a small heap bounds what a hostile one costs.
      resourceLimits: { maxYoungGenerationSizeMb: 8, maxOldGenerationSizeMb: 64 },
    });
    worker.on('message', (answer: Answer) => this.answered(worker, answer));
    worker.on('error', (error) => this.lost(worker, `the XML parser thread failed: ${error.message}`));
    worker.on('exit', (code) => this.lost(worker, `the XML parser thread stopped (exit ${code})`));
    // After the listeners: adding a 'message' listener refs the thread again, and the CLI never exited.
    worker.unref();
    this.workerAnswered = false;
    return worker;
  }

  private pump(): void {
    if (this.running || this.closed) return;
    const job = this.queue.shift();
    if (!job) return;
    if (!this.worker && this.startFailures < MAX_START_FAILURES) {
      try {
        this.worker = this.spawn();
      } catch {
        this.startFailures += 1;
      }
    }
    if (!this.worker) {
      // No thread can be had here: parse inline, still within the document bounds.
      this.inline.parse(job.text).then(job.resolve, job.reject);
      this.pump();
      return;
    }
    this.running = job;
    this.worker.postMessage({ id: job.id, text: job.text });
    this.deadline = setTimeout(() => {
      const worker = this.worker;
      this.finish(null, new XmlParseError(`the XML took longer than ${this.deadlineMs} ms to parse`));
      // The next document gets a fresh thread; this one is stopped mid-parse.
      if (worker) {
        this.worker = null;
        void worker.terminate();
      }
      this.pump();
    }, this.deadlineMs);
    // The thread is unref'd so that an idle parser never holds the process open; this timer is
    // not, so a process with nothing else to do (a one-shot collection) waits for its answer.
  }

  private finish(report: NvidiaSmiReport | null, error: Error | null): void {
    const job = this.running;
    this.running = null;
    if (this.deadline) clearTimeout(this.deadline);
    this.deadline = null;
    if (!job) return;
    if (error) job.reject(error);
    else job.resolve(report!);
  }

  private answered(worker: Worker, answer: Answer): void {
    if (worker !== this.worker || this.running?.id !== answer.id) return;
    this.workerAnswered = true;
    this.startFailures = 0;
    if ('report' in answer) this.finish(answer.report, null);
    else this.finish(null, answer.parseError ? new XmlParseError(answer.error) : new Error(answer.error));
    this.pump();
  }

  /** The thread died (out of memory, crashed, or never started): its job fails, the next gets a new one. */
  private lost(worker: Worker, why: string): void {
    if (worker !== this.worker) return;
    this.worker = null;
    if (!this.workerAnswered && this.running && !this.running.retried) {
      // A thread that never answered may not have been able to load (a packaged app without
      // the unpacked worker): try once more, on a new thread or, past a few, inline.
      this.startFailures += 1;
      const job = this.running;
      job.retried = true;
      this.running = null;
      if (this.deadline) clearTimeout(this.deadline);
      this.deadline = null;
      this.queue.unshift(job);
    } else {
      this.finish(null, new XmlParseError(why));
    }
    this.pump();
  }

  close(): void {
    this.closed = true;
    const worker = this.worker;
    this.worker = null;
    if (worker) void worker.terminate();
    for (const job of this.queue.splice(0)) job.reject(new Error('the XML parser is closed'));
    this.finish(null, new Error('the XML parser is closed'));
  }
}

/** A worker-backed parser where the compiled worker script exists, else an inline one. */
export function createNvidiaSmiXmlParser(options: { preferThreads?: boolean; deadlineMs?: number } = {}): NvidiaSmiXmlParser {
  // Packaged: workers cannot load scripts from inside an asar (see electron-builder.yml).
  const script = join(__dirname, 'nvidia-smi-xml-worker.js').replace(`${sep}app.asar${sep}`, `${sep}app.asar.unpacked${sep}`);
  if ((options.preferThreads ?? true) && existsSync(script)) return new WorkerXmlParser(script, options.deadlineMs ?? XML_PARSE_DEADLINE_MS);
  return new InlineXmlParser();
}

let shared: NvidiaSmiXmlParser | null = null;

/** One parser thread for the whole process: every collector's documents queue on it. */
export function sharedNvidiaSmiXmlParser(): NvidiaSmiXmlParser {
  shared ??= createNvidiaSmiXmlParser();
  return shared;
}
