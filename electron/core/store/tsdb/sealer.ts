/**
 * Runs seal jobs in a worker thread when the compiled worker is there (the app and the CLI), or
 * in the calling thread otherwise (tests running the TypeScript sources). Jobs finish in the
 * order they were submitted. poll() never blocks; waitAll() blocks until every job is done.
 */
import { existsSync } from 'node:fs';
import { join, sep } from 'node:path';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { encodeSealJob, type SealJob, type SealResult } from './seal';

type Outcome = SealResult | { id: number; error: string };

export interface Sealer {
  readonly threaded: boolean;
  submit(job: SealJob): void;
  /** Finished jobs, oldest first (never blocks). */
  poll(): Outcome[];
  /** Blocks until every submitted job is finished; returns them oldest first. */
  waitAll(): Outcome[];
  close(): void;
}

class InlineSealer implements Sealer {
  readonly threaded = false;
  private done: Outcome[] = [];

  submit(job: SealJob): void {
    try {
      this.done.push(encodeSealJob(job));
    } catch (error) {
      this.done.push({ id: job.id, error: (error as Error).message });
    }
  }

  poll(): Outcome[] {
    const out = this.done;
    this.done = [];
    return out;
  }

  waitAll(): Outcome[] {
    return this.poll();
  }

  close(): void {}
}

/** With no answer from the worker for this long, its jobs are encoded here instead. */
const WORKER_STALL_MS = 30_000;

class WorkerSealer implements Sealer {
  threaded = true;
  private readonly port: MessagePort;
  private readonly worker: Worker;
  private readonly done = new Int32Array(new SharedArrayBuffer(4));
  /** Jobs sent and not answered yet, to encode here if the worker dies. */
  private readonly outstanding = new Map<number, SealJob>();
  private readonly fallback = new InlineSealer();

  constructor(script: string) {
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    this.worker = new Worker(script, {
      workerData: { port: port2, done: this.done },
      transferList: [port2],
      // Encoding an hour of a fleet needs little live memory; a small heap keeps the app's RSS low.
      resourceLimits: { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 96 },
    });
    // The engine's lifetime decides, not the worker's.
    this.worker.unref();
    this.port.unref();
    // A worker that cannot start (or dies) must not lose jobs: they are encoded here.
    this.worker.on('error', () => this.giveUpWorker());
    this.worker.on('exit', () => this.giveUpWorker());
  }

  private giveUpWorker(): void {
    if (!this.threaded) return;
    this.threaded = false;
    for (const job of this.outstanding.values()) this.fallback.submit(job);
    this.outstanding.clear();
  }

  submit(job: SealJob): void {
    if (!this.threaded) {
      this.fallback.submit(job);
      return;
    }
    this.outstanding.set(job.id, job);
    // The samples are in shared memory: posting shares them, nothing is copied.
    this.port.postMessage(job);
  }

  poll(): Outcome[] {
    const out: Outcome[] = [];
    for (let message = receiveMessageOnPort(this.port); message; message = receiveMessageOnPort(this.port)) {
      const outcome = message.message as Outcome;
      if (this.outstanding.delete(outcome.id)) out.push(outcome);
    }
    out.push(...this.fallback.poll());
    return out.sort((a, b) => a.id - b.id);
  }

  waitAll(): Outcome[] {
    const out = this.poll();
    let lastProgress = Date.now();
    while (this.outstanding.size > 0) {
      const seen = Atomics.load(this.done, 0);
      Atomics.wait(this.done, 0, seen, 1000);
      const more = this.poll();
      if (more.length > 0) lastProgress = Date.now();
      out.push(...more);
      // The worker's 'error' event needs the event loop, which a blocking wait does not run.
      if (Date.now() - lastProgress > WORKER_STALL_MS) {
        this.giveUpWorker();
        out.push(...this.fallback.poll());
      }
    }
    return out.sort((a, b) => a.id - b.id);
  }

  close(): void {
    void this.worker.terminate();
    this.port.close();
  }
}

/** A worker-backed sealer where the compiled worker script exists, else an inline one. */
export function createSealer(preferThreads = true): Sealer {
  // In a packaged app the worker and its modules are unpacked next to the asar (see
  // electron-builder.yml): workers cannot load scripts from inside an asar.
  const script = join(__dirname, 'seal-worker.js').replace(`${sep}app.asar${sep}`, `${sep}app.asar.unpacked${sep}`);
  if (preferThreads && existsSync(script)) {
    try {
      return new WorkerSealer(script);
    } catch {
      // Some runtimes cannot start workers from where the app lives (an asar): encode inline.
    }
  }
  return new InlineSealer();
}
