import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../electron/core/store/db';
import { SqliteTelemetryStore } from '../../electron/core/store/telemetry-store';
import { ROOT, isolatedEnv, startServe, type ServeProcess } from '../helpers/cli';
import { isNetworkChangeNoise, launchChromium } from '../helpers/browser';
import { fakeNvidiaSmi } from '../helpers/fake-nvidia-smi';
import { fixturePath } from '../helpers/fixtures';
import { gpu, snapshot } from '../helpers/snapshots';
import type { MetricQueryResult } from '../../shared/contract';
import { windowDefinition, type ChartWindow } from '../../renderer/src/ranges';

const RESULTS = join(ROOT, 'test-results');
const INTERVAL_MS = 1000;
const GPU_COUNT = 8;
const uuidOf = (i: number) => `GPU-12345678-aaaa-bbbb-cccc-00000000000${i}`;
const busOf = (i: number) => `00000000:${(0x18 + i * 0x10).toString(16).toUpperCase()}:00.0`;

/**
 * An 8-GPU node's nvidia-smi -q -x: the real 2x RTX A5000 capture's first GPU repeated eight
 * times, each with its own UUID, bus id and minor number (there is no 8-GPU capture).
 */
function eightGpuXml(): string {
  const xml = readFileSync(fixturePath('nvidia-smi', 'xml', '2x-rtx-a5000-drv590-v13.xml'), 'utf8');
  const start = xml.indexOf('\t<gpu id=');
  const end = xml.indexOf('</gpu>', start) + '</gpu>'.length;
  const lastEnd = xml.lastIndexOf('</gpu>') + '</gpu>'.length;
  const block = xml.slice(start, end);
  const blocks = Array.from({ length: GPU_COUNT }, (_, i) =>
    block
      .replaceAll('00000000:81:00.0', busOf(i))
      .replace(/<uuid>[^<]*<\/uuid>/, `<uuid>${uuidOf(i)}</uuid>`)
      .replace(/<minor_number>[^<]*<\/minor_number>/, `<minor_number>${i}</minor_number>`)
      .replace(/<gpu_util>[^<]*<\/gpu_util>/, `<gpu_util>${10 * i} %</gpu_util>`),
  );
  return `${xml.slice(0, start).replace(/<attached_gpus>\d+</, `<attached_gpus>${GPU_COUNT}<`)}${blocks.join('\n')}${xml.slice(lastEnd)}`;
}

/** A day of history for the 8 GPUs, so ranges and zooms have data. */
function seedHistory(dbPath: string): void {
  const store = new SqliteTelemetryStore(openDatabase(dbPath), {
    dbPath,
    intervalMs: INTERVAL_MS,
    retention: { rawMs: 7 * 86_400_000, minuteMs: 90 * 86_400_000, hourMs: 730 * 86_400_000 },
    maxDiskBytes: null,
  });
  const now = Math.floor(Date.now() / INTERVAL_MS) * INTERVAL_MS;
  const ticks = [];
  for (let t = now - 86_400_000; t < now - 600_000; t += 60_000) ticks.push(t);
  for (let t = now - 600_000; t < now - 5000; t += 5000) ticks.push(t);
  for (const t of ticks) {
    const wave = 50 + 40 * Math.sin(t / 3_600_000);
    store.writeTick([
      snapshot(t, {
        id: hostname(),
        hostname: hostname(),
        cpu: { model: 'seed', cores: 2, utilPct: wave, perCoreUtilPct: [wave, wave], load1: 1, load5: 1, load15: 1 },
        gpus: Array.from({ length: GPU_COUNT }, (_, index) =>
          gpu({ index, minorNumber: index, uuid: uuidOf(index), pciBusId: busOf(index), gpuUtilPct: 10 * index, temperatureC: 40 + index }),
        ),
      }),
    ]);
  }
  store.close();
}

/** Every chart panel of the page, GPU ones included, has loaded history for `range` (data-range). */
async function allChartsLoaded(page: Page, range: string): Promise<number> {
  await page.waitForFunction(
    (r) => {
      // The GPU charts come with the first snapshot: wait for the last GPU too.
      const panels = [...document.querySelectorAll('.chart-panel')];
      return (
        document.querySelector('[data-testid="gpu-7"]') !== null &&
        panels.length > 0 &&
        panels.every((p) => p.getAttribute('data-range') === r && p.getAttribute('data-loading') === 'false')
      );
    },
    range,
    { timeout: 60_000 },
  );
  return page.locator('.chart-panel').count();
}

async function attr(page: Page, testId: string, name: string): Promise<string | null> {
  return page.getByTestId(testId).getAttribute(name);
}

/** The window a chart panel shows, from its data attributes. */
async function shownWindow(page: Page, testId: string): Promise<{ range: string; fromMs: number; toMs: number }> {
  return {
    range: (await attr(page, testId, 'data-range')) ?? '',
    fromMs: Number(await attr(page, testId, 'data-from-ms')),
    toMs: Number(await attr(page, testId, 'data-to-ms')),
  };
}

/** Drags across a chart's plot from one fraction of its width to another. */
async function dragAcross(page: Page, testId: string, fromFraction: number, toFraction: number): Promise<void> {
  const canvas = page.getByTestId(testId).locator('canvas');
  await canvas.scrollIntoViewIfNeeded();
  const box = (await canvas.boundingBox())!;
  // The plot starts after the 56 px y axis and ends a few pixels before the canvas does.
  const left = box.x + 60;
  const width = box.width - 70;
  const y = box.y + box.height / 3;
  await page.mouse.move(left + width * fromFraction, y);
  await page.mouse.down();
  await page.mouse.move(left + width * ((fromFraction + toFraction) / 2), y, { steps: 4 });
  await page.mouse.move(left + width * toFraction, y, { steps: 4 });
  await page.mouse.up();
}

async function openNodePage(range: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1440, height: 1400 }, acceptDownloads: true, colorScheme: 'light' });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' && !/favicon/.test(message.text()) && !isNetworkChangeNoise(message.text())) problems.push(`console: ${message.text()}`);
  });
  await page.goto(serve.url);
  await page.getByTestId('app-ready').waitFor({ timeout: 30_000 });
  if (range !== '5m') await page.getByTestId(`range-${range}`).click();
  await allChartsLoaded(page, range);
  return page;
}

const problems: string[] = [];
let browser: Browser;
let serve: ServeProcess;
beforeAll(async () => {
  mkdirSync(RESULTS, { recursive: true });
  browser = await launchChromium();
  const dir = mkdtempSync(join(tmpdir(), 'cd-8gpu-'));
  const xmlFile = join(dir, 'eight.xml');
  writeFileSync(xmlFile, eightGpuXml());
  const fake = fakeNvidiaSmi({ script: `[ "$1 $2" = "-q -x" ] || { echo "unexpected arguments: $*" >&2; exit 2; }\ncat '${xmlFile}'` });
  const env = isolatedEnv({ PATH: fake.path });
  mkdirSync(join(env.XDG_CONFIG_HOME!, 'clusterdeck'), { recursive: true });
  writeFileSync(join(env.XDG_CONFIG_HOME!, 'clusterdeck', 'config.yaml'), `collection:\n  intervalMs: ${INTERVAL_MS}\n`);
  const dbPath = join(env.XDG_DATA_HOME!, 'e2e.db');
  seedHistory(dbPath);
  serve = await startServe(['--db', dbPath], env);
});
afterAll(async () => {
  await serve?.stop();
  await browser?.close();
});

describe('node page charts of an 8-GPU node', () => {
  it('draws one chart per GPU metric with a legend entry and current value per GPU', async () => {
    const page = await openNodePage('5m');
    expect(await page.locator('[data-testid^="gpu-0-gpu."]').count()).toBe(0);
    for (const metric of ['gpu.util_pct', 'gpu.memory_used_mib', 'gpu.temperature_c', 'gpu.power_w']) {
      const legend = page.getByTestId(`chart-${metric}-legend`).getByRole('button');
      await expect.poll(() => legend.count(), { timeout: 15_000 }).toBe(GPU_COUNT);
    }
    const labels = await page
      .getByTestId('chart-gpu.util_pct-legend')
      .getByRole('button')
      .evaluateAll((items) => items.map((i) => i.getAttribute('data-label')));
    expect(labels).toEqual(Array.from({ length: GPU_COUNT }, (_, i) => `GPU ${i}`));
    // Current values without hovering: GPU 7's utilisation as the fake nvidia-smi prints it (70 %).
    await expect.poll(() => page.getByTestId('chart-gpu.util_pct-legend-7').textContent(), { timeout: 15_000 }).toMatch(/GPU 7\s*70\s*%/);
    expect(await page.getByTestId('chart-gpu.temperature_c-legend-0').textContent()).toMatch(/\d+\s*°C/);
    expect(await page.getByTestId('time-zone').textContent()).toMatch(/^UTC[+-]\d\d:\d\d/);
    // Reference lines: the power limit and the memory size of the GPUs.
    expect(Number(await attr(page, 'chart-gpu.power_w', 'data-references'))).toBeGreaterThan(100);
    expect(Number(await attr(page, 'chart-gpu.memory_used_mib', 'data-references'))).toBeGreaterThan(1000);
    expect(await attr(page, 'chart-gpu.util_pct', 'data-references')).toBeNull();
    await page.screenshot({ path: join(RESULTS, 'node-8-gpus.png'), fullPage: true });
    await page.close();
  });

  it('draws the network legend tx swatch dashed like its line, rx solid', async () => {
    const page = await openNodePage('5m');
    const items = page.getByTestId('chart-network-legend').getByRole('button');
    await expect.poll(() => items.count(), { timeout: 15_000 }).toBeGreaterThan(1);
    const styles = await items.evaluateAll((buttons) =>
      buttons.map((b) => [b.getAttribute('data-label') ?? '', getComputedStyle(b.querySelector('.chart-legend__swatch')!).borderTopStyle]),
    );
    for (const [label, style] of styles) expect(style, label).toBe(label!.endsWith(' tx') ? 'dashed' : 'solid');
    expect(styles.some(([label]) => label!.endsWith(' tx'))).toBe(true);
    await page.close();
  });

  it('toggles a GPU line from the keyboard', async () => {
    const page = await openNodePage('5m');
    const entry = page.getByTestId('chart-gpu.util_pct-legend-3');
    await expect.poll(() => entry.getAttribute('aria-pressed'), { timeout: 15_000 }).toBe('true');
    const points = Number(await attr(page, 'chart-gpu.util_pct', 'data-points'));
    // Reach it with Tab from the entry before it, as a keyboard user would.
    await page.getByTestId('chart-gpu.util_pct-legend-2').focus();
    await page.keyboard.press('Tab');
    expect(await entry.evaluate((el) => el === document.activeElement && el.matches(':focus-visible'))).toBe(true);
    await page.keyboard.press('Enter');
    expect(await entry.getAttribute('aria-pressed')).toBe('false');
    await page.keyboard.press('Space');
    expect(await entry.getAttribute('aria-pressed')).toBe('true');
    expect(Number(await attr(page, 'chart-gpu.util_pct', 'data-points'))).toBeGreaterThanOrEqual(points);
    await page.close();
  });

  it('shares a crosshair across the charts of the page', async () => {
    const page = await openNodePage('1h');
    expect(await page.locator('.chart-panel[data-crosshair]').count()).toBe(0);
    const canvas = page.getByTestId('chart-gpu.util_pct').locator('canvas');
    await canvas.scrollIntoViewIfNeeded();
    const box = (await canvas.boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 3);
    await expect.poll(() => attr(page, 'chart-cpu.util_pct', 'data-crosshair'), { timeout: 5000 }).not.toBeNull();
    const times = await page.locator('.chart-panel').evaluateAll((panels) => panels.map((p) => p.getAttribute('data-crosshair')));
    expect(new Set(times).size).toBe(1);
    const { fromMs, toMs } = await shownWindow(page, 'chart-cpu.util_pct');
    const at = Number(times[0]);
    expect(at).toBeGreaterThan(fromMs + (toMs - fromMs) * 0.3);
    expect(at).toBeLessThan(fromMs + (toMs - fromMs) * 0.7);
    await page.mouse.move(0, 0);
    await expect.poll(() => page.locator('.chart-panel[data-crosshair]').count(), { timeout: 5000 }).toBe(0);
    await page.close();
  });

  it('zooms by dragging, pans half a window, and goes back to live', async () => {
    const page = await openNodePage('1h');
    const hour = await shownWindow(page, 'chart-cpu.util_pct');
    expect(hour.toMs - hour.fromMs).toBe(3_600_000);
    await dragAcross(page, 'chart-gpu.util_pct', 0.25, 0.5);
    await allChartsLoaded(page, 'custom');
    const zoomed = await shownWindow(page, 'chart-memory.used_pct');
    expect(zoomed.fromMs).toBeGreaterThan(hour.fromMs + 600_000);
    expect(zoomed.toMs).toBeLessThan(hour.toMs - 1_200_000);
    expect(await shownWindow(page, 'chart-gpu.power_w')).toEqual(zoomed);
    expect(await page.getByTestId('range-1h').getAttribute('aria-pressed')).toBe('false');
    // The failures timeline shares the zoomed window (it does not slide back to live).
    expect(await page.getByTestId('failures-timeline').getAttribute('data-range')).toBe('custom');

    await page.getByTestId('time-pan-back').click();
    await page.waitForFunction(
      (from) => Number(document.querySelector('[data-testid="chart-cpu.util_pct"]')?.getAttribute('data-from-ms')) < from,
      zoomed.fromMs,
    );
    await allChartsLoaded(page, 'custom');
    const back = await shownWindow(page, 'chart-cpu.util_pct');
    const span = zoomed.toMs - zoomed.fromMs;
    expect(back.toMs - back.fromMs).toBe(span);
    expect(Math.abs(back.fromMs - (zoomed.fromMs - span / 2))).toBeLessThanOrEqual(1);

    await page.getByTestId('time-pan-forward').click();
    await page.waitForFunction(
      (from) => Number(document.querySelector('[data-testid="chart-cpu.util_pct"]')?.getAttribute('data-from-ms')) > from,
      back.fromMs,
    );
    expect(Math.abs((await shownWindow(page, 'chart-cpu.util_pct')).fromMs - zoomed.fromMs)).toBeLessThanOrEqual(1);

    await page.getByTestId('time-live').click();
    await allChartsLoaded(page, '1h');
    const live = await shownWindow(page, 'chart-cpu.util_pct');
    expect(live.toMs - live.fromMs).toBe(3_600_000);
    expect(live.toMs).toBeGreaterThanOrEqual(hour.toMs);
    await page.close();
  });

  it('shows a custom from/to, refusing an end before the start at its field', async () => {
    const page = await openNodePage('5m');
    await page.getByTestId('time-custom').click();
    const local = (ms: number) => {
      const d = new Date(ms);
      const p = (n: number) => String(n).padStart(2, '0');
      return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
    };
    const start = Math.floor((Date.now() - 3 * 3_600_000) / 60_000) * 60_000;
    await page.getByTestId('time-custom-from').fill(local(start));
    await page.getByTestId('time-custom-to').fill(local(start - 3_600_000));
    await page.getByTestId('time-custom-apply').click();
    expect(await page.getByTestId('time-custom-error').textContent()).toMatch(/after the start/);
    expect(await page.getByTestId('time-custom-to').getAttribute('aria-invalid')).toBe('true');
    await page.getByTestId('time-custom-to').fill(local(start + 2 * 3_600_000));
    await page.getByTestId('time-custom-apply').click();
    await allChartsLoaded(page, 'custom');
    expect(await shownWindow(page, 'chart-gpu.util_pct')).toEqual({ range: 'custom', fromMs: start, toMs: start + 2 * 3_600_000 });
    expect(Number(await attr(page, 'chart-gpu.util_pct', 'data-points'))).toBeGreaterThan(0);
    await page.close();
  });

  it('exports the data of a chart as CSV equal to the query answer, and as a PNG', async () => {
    const page = await openNodePage('1h');
    await dragAcross(page, 'chart-gpu.util_pct', 0.1, 0.6);
    await allChartsLoaded(page, 'custom');
    const shown = await shownWindow(page, 'chart-gpu.util_pct');
    const window: ChartWindow = { range: '1h', fromMs: shown.fromMs, toMs: shown.toMs, custom: true };
    const query = { nodeId: hostname(), metric: 'gpu.util_pct', fromMs: window.fromMs, toMs: window.toMs, maxPoints: windowDefinition(window).maxPoints };
    const answer = await page.evaluate(async (body) => {
      const response = await fetch('api/call/metrics:query', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
      return ((await response.json()) as { value: MetricQueryResult }).value;
    }, query);
    expect(answer.series).toHaveLength(GPU_COUNT);

    const [csvDownload] = await Promise.all([page.waitForEvent('download'), page.getByTestId('chart-gpu.util_pct-csv').click()]);
    expect(csvDownload.suggestedFilename()).toMatch(/^chart-gpu\.util_pct-.*\.csv$/);
    const csv = readFileSync((await csvDownload.path())!, 'utf8')
      .trim()
      .split('\r\n');
    const header = csv[0]!.split(',');
    expect(header.slice(0, 2)).toEqual(['time', 'epoch_ms']);
    const rows = csv.slice(1).map((line) => line.split(','));
    const indexOfUuid = new Map(Array.from({ length: GPU_COUNT }, (_, i) => [uuidOf(i), i]));
    for (const series of answer.series) {
      const column = header.indexOf(`GPU ${indexOfUuid.get(series.device)}`);
      expect(column, series.device).toBeGreaterThan(1);
      const fromCsv = rows.filter((r) => r[column] !== '').map((r) => [Number(r[1]), Number(r[column])]);
      expect(fromCsv).toEqual(series.t.map((t, i) => [t, series.v[i]]));
    }
    for (const row of rows) expect(new Date(row[0]!).getTime()).toBe(Number(row[1]));

    const [pngDownload] = await Promise.all([page.waitForEvent('download'), page.getByTestId('chart-gpu.util_pct-png').click()]);
    const png = readFileSync((await pngDownload.path())!);
    expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
    expect(png.length).toBeGreaterThan(2000);
    // Opaque, on the panel's background (white in the light theme), not transparent.
    const corner = await page.evaluate(
      async (dataUrl) => {
        const image = new Image();
        image.src = dataUrl;
        await image.decode();
        const canvas = document.createElement('canvas');
        canvas.width = image.width;
        canvas.height = image.height;
        const ctx = canvas.getContext('2d')!;
        ctx.drawImage(image, 0, 0);
        return [...ctx.getImageData(1, 1, 1, 1).data];
      },
      `data:image/png;base64,${png.toString('base64')}`,
    );
    expect(corner).toEqual([255, 255, 255, 255]);
    await page.close();
    expect(problems).toEqual([]);
  });

  it('measures page load and a range switch (printed, not asserted)', async () => {
    const page = await browser.newPage({ viewport: { width: 1440, height: 1400 } });
    const loads: number[] = [];
    const switches: number[] = [];
    let charts = 0;
    for (let round = 0; round < 3; round++) {
      const started = Date.now();
      await page.goto(serve.url);
      await page.getByTestId('app-ready').waitFor({ timeout: 30_000 });
      charts = await allChartsLoaded(page, '5m');
      loads.push(Date.now() - started);
      const switchStarted = Date.now();
      await page.getByTestId('range-24h').click();
      await allChartsLoaded(page, '24h');
      switches.push(Date.now() - switchStarted);
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    console.log(
      `[bench] 8-GPU node page: ${charts} charts; load ms ${loads.join(', ')} (median ${median(loads)}); switch to 24 h ms ${switches.join(', ')} (median ${median(switches)})`,
    );
    await page.close();
  });
});
