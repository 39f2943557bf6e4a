/**
 * Runs seal jobs in a worker thread when the compiled worker is there (the app and the CLI), or
 * in the calling thread otherwise (tests running the TypeScript sources). Jobs finish in the
 * order they were submitted. poll() never blocks; waitAll() blocks until every job is done.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
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

class WorkerSealer implements Sealer {
  readonly threaded = true;
  private readonly port: MessagePort;
  private readonly worker: Worker;
  private readonly done = new Int32Array(new SharedArrayBuffer(4));
  private submitted = 0;
  private received = 0;

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
  }

  submit(job: SealJob): void {
    this.submitted += 1;
    // The samples are in shared memory: posting shares them, nothing is copied.
    this.port.postMessage(job);
  }

  poll(): Outcome[] {
    const out: Outcome[] = [];
    for (let message = receiveMessageOnPort(this.port); message; message = receiveMessageOnPort(this.port)) {
      out.push(message.message as Outcome);
      this.received += 1;
    }
    return out;
  }

  waitAll(): Outcome[] {
    const out = this.poll();
    while (this.received < this.submitted) {
      const seen = Atomics.load(this.done, 0);
      if (seen <= this.received) Atomics.wait(this.done, 0, seen, 1000);
      out.push(...this.poll());
    }
    return out;
  }

  close(): void {
    void this.worker.terminate();
    this.port.close();
  }
}

/** A worker-backed sealer where the compiled worker script exists, else an inline one. */
export function createSealer(preferThreads = true): Sealer {
  const script = join(__dirname, 'seal-worker.js');
  if (preferThreads && existsSync(script)) {
    try {
      return new WorkerSealer(script);
    } catch {
      // Some runtimes cannot start workers from where the app lives (an asar): encode inline.
    }
  }
  return new InlineSealer();
}
