/**
 * Worker thread entry: encodes seal jobs off the engine's thread (the second core does the
 * compression while the first keeps ingesting and answering queries). Results go back on the
 * port; the shared counter lets the engine block for them when it must (flush).
 */
import { workerData, type MessagePort } from 'node:worker_threads';
import { encodeSealJob, packSealResult, type SealJob } from './seal';

const { port, done } = workerData as { port: MessagePort; done: Int32Array };

port.on('message', (job: SealJob) => {
  let result;
  try {
    result = encodeSealJob(job);
  } catch (error) {
    result = { id: job.id, error: (error as Error).message ?? String(error) };
  }
  // Encoded chunks may sit in Node's shared (untransferable) Buffer pool: move one owned copy.
  const transfer = 'pieces' in result ? packSealResult(result) : [];
  port.postMessage(result, transfer);
  Atomics.add(done, 0, 1);
  Atomics.notify(done, 0);
});
