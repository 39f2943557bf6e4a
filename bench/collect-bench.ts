/**
 * `bench collect`: what one collection tick of the local node costs (wall time, CPU of the
 * engine and of the programs it runs, memory), and its parts: nvidia-smi XML parsing per
 * capture and the store write per tick.
 */
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { APP_ROOT } from '../electron/core/app-root';
import { parseNvidiaSmiXml } from '../electron/core/collectors/nvidia-smi-xml';
import { LocalNodeCollector } from '../electron/core/collectors/local-node';
import { COLLECTOR_POLICY } from '../electron/core/collectors/command-specs';
import { LocalHost } from '../electron/core/hosts/local';
import { DEFAULT_CONFIG } from '../shared/config';
import { storeOptions } from '../electron/core/engine';
import { openDatabase } from '../electron/core/store/db';
import { SqliteTelemetryStore } from '../electron/core/store/telemetry-store';
import { childCpuSeconds, formatTable, median, percentile, round } from './stats';

const XML_DIR = join(APP_ROOT, 'test', 'fixtures', 'nvidia-smi', 'xml');
const CAPTURE = '2x-rtx-a5000-drv590-v13.xml';

export interface CollectBenchResult {
  ticks: number;
  gpuSource: string;
  tickWallMs: { p50: number; p95: number };
  engineCpuMsPerTick: number;
  childCpuMsPerTick: number;
  rssMb: number;
  xmlParseMs: Record<string, number>;
  storeWriteMsPerTick: number;
}

export async function runCollectBench(options: { ticks: number }): Promise<CollectBenchResult> {
  const originalPath = process.env.PATH;
  let fakeDir: string | null = null;
  let gpuSource = 'nvidia-smi on PATH';
  if (existsSync(join(XML_DIR, CAPTURE))) {
    // No GPU on most dev machines: a fake nvidia-smi that prints a real 2-GPU capture.
    fakeDir = mkdtempSync(join(tmpdir(), 'cd-bench-'));
    writeFileSync(join(fakeDir, 'nvidia-smi'), `#!/bin/sh\ncat '${join(XML_DIR, CAPTURE)}'\n`);
    chmodSync(join(fakeDir, 'nvidia-smi'), 0o755);
    process.env.PATH = `${fakeDir}${delimiter}${originalPath ?? ''}`;
    gpuSource = `fake nvidia-smi printing ${CAPTURE}`;
  }
  try {
    const collector = new LocalNodeCollector(new LocalHost(COLLECTOR_POLICY), { nvidiaSmiTimeoutMs: 10_000 });
    await collector.prime();
    const walls: number[] = [];
    const cpuStart = process.cpuUsage();
    const childStart = childCpuSeconds() * 1000;
    const store = new SqliteTelemetryStore(openDatabase(':memory:'), storeOptions(':memory:', DEFAULT_CONFIG));
    const writes: number[] = [];
    for (let i = 0; i < options.ticks; i += 1) {
      // Rates need time between readings, as on a real 5 s tick.
      await new Promise((r) => setTimeout(r, 200));
      const started = performance.now();
      const snapshot = await collector.collect(Date.now());
      walls.push(performance.now() - started);
      const writeStarted = performance.now();
      store.writeTick([{ ...snapshot, collectedAt: 1_700_000_000_000 + i * 5000 }]);
      writes.push(performance.now() - writeStarted);
    }
    const cpu = process.cpuUsage(cpuStart);
    const childMs = childCpuSeconds() * 1000 - childStart;
    store.close();

    const xmlParseMs: Record<string, number> = {};
    if (existsSync(XML_DIR)) {
      for (const file of readdirSync(XML_DIR).filter((f) => f.endsWith('.xml'))) {
        const text = readFileSync(join(XML_DIR, file), 'utf8');
        const times: number[] = [];
        for (let i = 0; i < 30; i += 1) {
          const started = performance.now();
          parseNvidiaSmiXml(text);
          times.push(performance.now() - started);
        }
        xmlParseMs[file] = round(median(times), 3);
      }
    }
    return {
      ticks: options.ticks,
      gpuSource,
      tickWallMs: { p50: round(median(walls)), p95: round(percentile(walls, 95)) },
      engineCpuMsPerTick: round((cpu.user + cpu.system) / 1000 / options.ticks),
      childCpuMsPerTick: round(childMs / options.ticks),
      rssMb: round(process.memoryUsage().rss / 2 ** 20, 1),
      xmlParseMs,
      storeWriteMsPerTick: round(median(writes), 3),
    };
  } finally {
    process.env.PATH = originalPath;
    if (fakeDir) rmSync(fakeDir, { recursive: true, force: true });
  }
}

export function formatCollectBench(r: CollectBenchResult): string {
  return [
    formatTable(`Collection tick of the local node (${r.ticks} ticks; GPUs: ${r.gpuSource})`, [
      ['tick wall time p50 / p95', `${r.tickWallMs.p50} / ${r.tickWallMs.p95} ms`],
      ['engine CPU per tick', `${r.engineCpuMsPerTick} ms`],
      ['child processes CPU per tick (df, nvidia-smi)', `${r.childCpuMsPerTick} ms`],
      ['store write per tick (median)', `${r.storeWriteMsPerTick} ms`],
      ['RSS after the run', `${r.rssMb} MB`],
    ]),
    formatTable(
      'nvidia-smi -q -x parse time (median of 30)',
      Object.entries(r.xmlParseMs).map(([file, ms]) => [file, `${ms} ms`]),
    ),
  ].join('\n\n');
}
