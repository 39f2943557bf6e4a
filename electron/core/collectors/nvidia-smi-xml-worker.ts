/**
 * Worker thread entry: parses `nvidia-smi -q -x` documents off the engine's thread
 * (nvidia-smi-xml-parser.ts). One document at a time; the answer is a plain copy of the report.
 */
import { parentPort } from 'node:worker_threads';
import { XmlParseError } from '../xml/safe-xml';
import { parseNvidiaSmiXml } from './nvidia-smi-xml';

parentPort?.on('message', ({ id, text }: { id: number; text: string }) => {
  try {
    parentPort!.postMessage({ id, report: parseNvidiaSmiXml(text) });
  } catch (error) {
    parentPort!.postMessage({ id, error: error instanceof Error ? error.message : String(error), parseError: error instanceof XmlParseError });
  }
});
