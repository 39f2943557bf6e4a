// The GPU heatmap at fleet scale, in Debian's Chromium: 128 nodes x 8 GPUs collected every 5 s
// by a real engine and HTTP server (the `serve` stack, in this process), so 128
// 'snapshot:collected' events per tick reach the page through the real event stream and api
// module. Measures the time per heatmap redraw (performance.now() around the draw, read from
// data-draw-ms) and prints it; checks that one tick's events are coalesced into a few redraws.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RENDERER_DIR } from '../../electron/core/app-root';
import type { NodeCollector } from '../../electron/core/collectors/node-collector';
import { createEngine, type Engine } from '../../electron/core/engine';
import { silentLogger } from '../../electron/core/log';
import { startHttpServer, type RunningHttpServer } from '../../electron/server/http-server';
import { ConfigSchema } from '../../shared/config';
import type { NodeState } from '../../shared/model/inventory';
import { isNetworkChangeNoise, launchChromium } from '../helpers/browser';
import { ROOT } from '../helpers/cli';
import { gpu, snapshot } from '../helpers/snapshots';

const RESULTS = join(ROOT, 'test-results');
const NODES = 128;
const GPUS_PER_NODE = 8;
const INTERVAL_MS = 5000;
const TICKS_MEASURED = 4;

/** A node that reports 8 busy H100s whose load follows its own job's phase, so cells change every tick. */
class SyntheticGpuNode implements NodeCollector {
  readonly nodeId: string;
  private readonly state_: NodeState;
  constructor(private readonly index: number) {
    this.nodeId = `gpu-node-${String(index + 1).padStart(3, '0')}`;
    this.state_ = {
      id: this.nodeId,
      kind: 'ssh',
      status: 'up',
      since: Date.now(),
      lastError: null,
      address: `monitor@10.0.${Math.floor(index / 32)}.${(index % 32) + 10}:22`,
      passphraseFor: null,
      labels: [`rack-${Math.floor(index / 16) + 1}`, index % 4 === 0 ? 'h100-nvl' : 'h100-sxm'],
      missing: [],
      hostKey: null,
    };
  }
  async prime(): Promise<void> {}
  async collect(collectedAt: number) {
    const phase = collectedAt / 60_000 + this.index * 0.37;
    const idle = this.index % 11 === 0;
    const gpus = Array.from({ length: GPUS_PER_NODE }, (_, g) => {
      const util = idle ? 0 : Math.max(0, Math.min(100, Math.round(55 + 45 * Math.sin(phase + g * 0.4))));
      return gpu({
        index: g,
        uuid: `GPU-${String(this.index).padStart(8, '0')}-0000-4000-8000-${String(g).padStart(12, '0')}`,
        pciBusId: `00000000:${(0x18 + g * 0x10).toString(16).toUpperCase()}:00.0`,
        gpuUtilPct: util,
        temperatureC: Math.round(32 + util * 0.48 + (g % 3)),
        powerDrawW: Math.round(70 + util * 6.2),
        fbMemoryUsedMib: Math.round(81559 * (util / 110)),
      });
    });
    return snapshot(collectedAt, { id: this.nodeId, hostname: this.nodeId, gpus });
  }
  state(): NodeState {
    return this.state_;
  }
  close(): void {}
}

interface DrawSample {
  ms: number;
  at: number;
}

let engine: Engine;
let server: RunningHttpServer;
let browser: Browser;
let dir: string;
let ticks = 0;
let snapshotEvents = 0;

beforeAll(async () => {
  mkdirSync(RESULTS, { recursive: true });
  dir = mkdtempSync(join(tmpdir(), 'cd-fleet-scale-'));
  engine = createEngine({
    config: ConfigSchema.parse({ collection: { intervalMs: INTERVAL_MS } }),
    dbPath: join(dir, 'scale.db'),
    configPath: join(dir, 'config.yaml'),
    mode: 'serve',
    log: silentLogger,
    collectors: Array.from({ length: NODES }, (_, i) => new SyntheticGpuNode(i)),
  });
  engine.events.on('snapshot:collected', () => (snapshotEvents += 1));
  engine.events.on('engine:statusChanged', () => (ticks += 1));
  server = await startHttpServer({
    handlers: engine.handlers,
    events: engine.events,
    rendererDir: RENDERER_DIR,
    host: '127.0.0.1',
    port: 0,
    log: silentLogger,
  });
  void engine.start();
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  engine?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Records every redraw of the heatmap (its data-draw-ms after each draw) into window.__draws. */
async function recordDraws(page: Page): Promise<void> {
  await page.evaluate(() => {
    const el = document.querySelector('[data-testid="gpu-heatmap"]')!;
    const samples: Array<{ ms: number; at: number }> = [];
    (window as unknown as { __draws: typeof samples }).__draws = samples;
    new MutationObserver(() => samples.push({ ms: Number(el.getAttribute('data-draw-ms')), at: performance.now() })).observe(el, {
      attributes: true,
      attributeFilter: ['data-draws'],
    });
    // Main-thread tasks over 50 ms (event parsing, the table's render...), for the report.
    const long: number[] = [];
    (window as unknown as { __longTasks: number[] }).__longTasks = long;
    new PerformanceObserver((list) => list.getEntries().forEach((e) => long.push(Math.round(e.duration)))).observe({ type: 'longtask' });
  });
}

const takeDraws = (page: Page) =>
  page.evaluate(() => {
    const w = window as unknown as { __draws: Array<{ ms: number; at: number }> };
    return w.__draws.splice(0);
  });

function stats(samples: DrawSample[]) {
  const ms = samples.map((s) => s.ms).sort((a, b) => a - b);
  const at = (q: number) => ms[Math.min(ms.length - 1, Math.floor(q * ms.length))] ?? NaN;
  return { redraws: ms.length, medianMs: at(0.5), p95Ms: at(0.95), maxMs: ms[ms.length - 1] ?? NaN };
}

/**
 * With CLUSTERDECK_FLEET_PROFILE=1, a sampled CPU profile of the ticks (Chromium's Profiler over
 * CDP): written to test-results/fleet-scale-<label>.cpuprofile (opens in DevTools) and its top
 * functions by self time printed, to find what the long tasks are made of.
 */
const PROFILE = process.env.CLUSTERDECK_FLEET_PROFILE === '1';
/** With CLUSTERDECK_FLEET_TRACE=1, a performance trace: what each main-thread task over 50 ms spent its time on. */
const TRACE = process.env.CLUSTERDECK_FLEET_TRACE === '1';

interface TraceEvent {
  name: string;
  ph: string;
  ts: number;
  dur?: number;
  tid: number;
  pid: number;
}

async function startTrace(page: Page) {
  const cdp = await page.context().newCDPSession(page);
  const events: TraceEvent[] = [];
  cdp.on('Tracing.dataCollected', (e) => {
    events.push(...(e.value as unknown as TraceEvent[]));
  });
  await cdp.send('Tracing.start', {
    categories: 'devtools.timeline,disabled-by-default-devtools.timeline,blink,v8.execute',
    transferMode: 'ReportEvents',
  });
  return {
    async stop(label: string) {
      const done = new Promise<void>((resolve) => cdp.once('Tracing.tracingComplete', () => resolve()));
      await cdp.send('Tracing.end');
      await done;
      writeFileSync(join(RESULTS, `fleet-scale-${label.replace(/\s+/g, '')}.trace.json`), JSON.stringify({ traceEvents: events }));
      const complete = events.filter((e) => e.ph === 'X' && typeof e.dur === 'number');
      const totals = new Map<string, number>();
      for (const e of complete) totals.set(e.name, (totals.get(e.name) ?? 0) + e.dur! / 1000);
      const watched = [
        'RunTask',
        'UpdateLayoutTree',
        'Layout',
        'PrePaint',
        'Paint',
        'IntersectionObserverController::computeIntersections',
        'FunctionCall',
        'MinorGC',
      ];
      console.info(`[trace ${label}] totals ms: ${watched.map((k) => `${k} ${(totals.get(k) ?? 0).toFixed(0)}`).join(', ')}`);
      const tasks = complete.filter((e) => e.name === 'RunTask' && e.dur! > 50_000);
      for (const task of tasks) {
        const inside = complete.filter(
          (e) => e.tid === task.tid && e.pid === task.pid && e.ts >= task.ts && e.ts + e.dur! <= task.ts + task.dur! && e !== task,
        );
        const byName = new Map<string, number>();
        for (const e of inside) byName.set(e.name, (byName.get(e.name) ?? 0) + e.dur! / 1000);
        const top = [...byName.entries()].sort((a, b) => b[1] - a[1]).slice(0, 12);
        console.info(`[trace ${label}] task ${(task.dur! / 1000).toFixed(0)} ms: ${top.map(([k, ms]) => `${k} ${ms.toFixed(1)}`).join(', ')}`);
      }
      await cdp.detach();
    },
  };
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  hitCount?: number;
}

async function startProfile(page: Page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
  await cdp.send('Profiler.start');
  return {
    async stop(label: string) {
      const { profile } = (await cdp.send('Profiler.stop')) as unknown as {
        profile: { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };
      };
      writeFileSync(join(RESULTS, `fleet-scale-${label.replace(/\s+/g, '')}.cpuprofile`), JSON.stringify(profile));
      const byId = new Map(profile.nodes.map((n) => [n.id, n]));
      const self = new Map<string, number>();
      profile.samples.forEach((id, i) => {
        const f = byId.get(id)!.callFrame;
        const key = `${f.functionName || '(anonymous)'} ${f.url.split('/').pop()}:${f.lineNumber + 1}:${f.columnNumber + 1}`;
        self.set(key, (self.get(key) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
      });
      const top = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, 25);
      console.info(`[profile ${label}] self ms:\n${top.map(([k, ms]) => `${ms.toFixed(0).padStart(7)}  ${k}`).join('\n')}`);
      await cdp.detach();
    },
  };
}

async function measure(page: Page, label: string) {
  await page.goto(server.url);
  await page.getByTestId('page-fleet').waitFor({ timeout: 30_000 });
  // Page load: from navigation start until the heatmap has drawn every GPU (checked each frame).
  const loadMs = Math.round(
    (await (
      await page.waitForFunction(
        (cells) => (document.querySelector('[data-testid="gpu-heatmap"]')?.getAttribute('data-cells') === String(cells) ? performance.now() : 0),
        NODES * GPUS_PER_NODE,
        { polling: 'raf', timeout: 30_000 },
      )
    ).jsonValue()) as number,
  );
  await recordDraws(page);
  const profiler = PROFILE ? await startProfile(page) : TRACE ? await startTrace(page) : null;

  // Ticks: 128 events each, through the real event stream.
  const startTicks = ticks;
  const startEvents = snapshotEvents;
  await expect.poll(() => ticks - startTicks, { timeout: (TICKS_MEASURED + 2) * INTERVAL_MS, interval: 250 }).toBeGreaterThanOrEqual(TICKS_MEASURED);
  // Let the last tick's events land and draw.
  await page.waitForTimeout(600);
  const tickDraws = await takeDraws(page);
  const tickCount = ticks - startTicks;
  const longTasksMs = await page.evaluate(() => (window as unknown as { __longTasks: number[] }).__longTasks.splice(0));
  const events = snapshotEvents - startEvents;
  if (profiler) await profiler.stop(label);

  // Hover: every pointer move onto another cell redraws (for the highlight) in the next frame.
  const box = (await page.locator('.heatmap__canvas').boundingBox())!;
  for (let i = 0; i < 120; i += 1) {
    await page.mouse.move(box.x + ((i * 37) % Math.max(1, box.width - 4)) + 2, box.y + ((i * 53) % Math.max(1, box.height - 4)) + 2);
  }
  await page.waitForTimeout(200);
  const hoverDraws = await takeDraws(page);

  const canvas = await page.locator('.heatmap__canvas').evaluate((c: HTMLCanvasElement) => ({
    backing: [c.width, c.height],
    css: [c.getBoundingClientRect().width, c.getBoundingClientRect().height],
    dpr: window.devicePixelRatio,
  }));
  const result = {
    label,
    nodes: NODES,
    gpus: NODES * GPUS_PER_NODE,
    loadMs,
    ticks: tickCount,
    snapshotEvents: events,
    tickRedraws: stats(tickDraws),
    redrawsPerTick: tickDraws.length / tickCount,
    longTasksMs,
    hoverRedraws: stats(hoverDraws),
    canvas,
  };
  console.info(`[heatmap ${label}] ${JSON.stringify(result)}`);
  console.info(
    `[heatmap ${label}] page load ${loadMs} ms; tick redraw median ${result.tickRedraws.medianMs} ms, p95 ${result.tickRedraws.p95Ms} ms, ${result.redrawsPerTick} per tick; ` +
      `long tasks (over 50 ms): ${longTasksMs.length}${longTasksMs.length ? ` (${longTasksMs.join(', ')} ms)` : ''}`,
  );
  return result;
}

describe(`GPU heatmap with ${NODES} nodes x ${GPUS_PER_NODE} GPUs updating every ${INTERVAL_MS / 1000} s`, () => {
  it('coalesces each tick into a few redraws and reports their time, at 1x and 2x pixel density', async () => {
    const results = [];
    for (const deviceScaleFactor of [1, 2]) {
      const page = await browser.newPage({ viewport: { width: 1440, height: 1000 }, deviceScaleFactor, colorScheme: 'light' });
      const problems: string[] = [];
      page.on('pageerror', (error) => problems.push(error.message));
      page.on('console', (message) => {
        if (message.type() === 'error' && !isNetworkChangeNoise(message.text())) problems.push(message.text());
      });
      const result = await measure(page, `dpr ${deviceScaleFactor}`);
      results.push(result);
      // The canvas has device pixels, not CSS pixels.
      expect(result.canvas.dpr).toBe(deviceScaleFactor);
      expect(result.canvas.backing[0]).toBe(Math.round(result.canvas.css[0]! * deviceScaleFactor));
      expect(result.snapshotEvents).toBeGreaterThanOrEqual(NODES * (result.ticks - 1));
      // One tick's 128 events: a handful of redraws (1-1.25 measured here), not 128. Each
      // redraw's time is printed above and written to heatmap-perf.json, not asserted: a test
      // does not judge speed, and a shared CI machine draws in software at any pace.
      expect(result.redrawsPerTick).toBeLessThanOrEqual(8);
      expect(result.tickRedraws.redraws).toBeGreaterThan(0);
      expect(Number.isFinite(result.tickRedraws.medianMs)).toBe(true);
      // Every move onto another cell redraws once (the highlight), coalesced per frame.
      expect(result.hoverRedraws.redraws).toBeGreaterThan(20);
      if (deviceScaleFactor === 1) {
        await page.mouse.move(0, 0);
        await page.screenshot({ path: join(RESULTS, 'fleet-1024-gpus.png') });
      }
      expect(problems).toEqual([]);
      await page.close();
    }
    writeFileSync(join(RESULTS, 'heatmap-perf.json'), `${JSON.stringify(results, null, 2)}\n`);
  }, 180_000);
});
