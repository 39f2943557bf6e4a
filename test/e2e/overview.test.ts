import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../electron/core/store/db';
import { SqliteTelemetryStore } from '../../electron/core/store/telemetry-store';
import { ROOT, isolatedEnv, startServe, type ServeProcess } from '../helpers/cli';
import { isNetworkChangeNoise, launchChromium } from '../helpers/browser';
import { fakeNvidiaSmi } from '../helpers/fake-nvidia-smi';
import { readFixture } from '../helpers/fixtures';
import { tempDir } from '../helpers/tmp';
import { snapshot, gpu } from '../helpers/snapshots';

const RESULTS = join(ROOT, 'test-results');
const INTERVAL_MS = 1000;

/** A day of history for this machine's node id, so the range selector has something to switch between. */
function seedHistory(dbPath: string, gpuUuids: string[]): void {
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
        gpus: gpuUuids.map((uuid, index) => gpu({ index, uuid, gpuUtilPct: Math.round(wave), temperatureC: 40 + index })),
      }),
    ]);
  }
  store.close();
}

async function attr(page: Page, testId: string, name: string): Promise<string | null> {
  return page.getByTestId(testId).getAttribute(name);
}

/** Pixels of a chart's canvas that are neither transparent nor the panel background. */
async function inkedPixels(page: Page, testId: string): Promise<number> {
  return page
    .getByTestId(testId)
    .locator('canvas')
    .first()
    .evaluate((canvas: HTMLCanvasElement) => {
      const ctx = canvas.getContext('2d')!;
      const { data } = ctx.getImageData(0, 0, canvas.width, canvas.height);
      const colours = new Set<number>();
      let inked = 0;
      for (let i = 0; i < data.length; i += 4) {
        if (data[i + 3]! > 0) {
          inked += 1;
          colours.add((data[i]! << 16) | (data[i + 1]! << 8) | data[i + 2]!);
        }
      }
      return colours.size > 3 ? inked : 0;
    });
}

async function waitForPoints(page: Page, testId: string, range: string): Promise<number> {
  await page.waitForFunction(
    ([id, r]) => {
      const el = document.querySelector(`[data-testid="${id}"]`);
      return el?.getAttribute('data-range') === r && el.getAttribute('data-loading') === 'false' && Number(el.getAttribute('data-points')) > 0;
    },
    [testId, range] as const,
    { timeout: 30_000 },
  );
  return Number(await attr(page, testId, 'data-points'));
}

let browser: Browser;
beforeAll(async () => {
  mkdirSync(RESULTS, { recursive: true });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

function serveEnv(fake: ReturnType<typeof fakeNvidiaSmi>): NodeJS.ProcessEnv {
  const env = isolatedEnv({ PATH: fake.path });
  mkdirSync(join(env.XDG_CONFIG_HOME!, 'clusterdeck'), { recursive: true });
  writeFileSync(join(env.XDG_CONFIG_HOME!, 'clusterdeck', 'config.yaml'), `collection:\n  intervalMs: ${INTERVAL_MS}\n`);
  return env;
}

describe('Overview page in Chromium against clusterdeck serve', () => {
  let serve: ServeProcess;
  const problems: string[] = [];

  // The capture's job (PID 100477 on both GPUs) is a process this test starts, so its user and
  // command line come from /proc; perl's $0 rewrites its command line as a training job's.
  let job: ChildProcess;
  const JOB_COMMAND = 'python3 train.py --model llama-3-70b --batch 64';

  beforeAll(async () => {
    job = spawn('perl', ['-e', `$0 = "${JOB_COMMAND}"; sleep 600`], { stdio: 'ignore' });
    const capture = join(tempDir(), 'capture.xml');
    writeFileSync(capture, readFixture('nvidia-smi', 'xml', '2x-rtx-a5000-drv590-v13.xml').replaceAll('<pid>100477</pid>', `<pid>${job.pid}</pid>`));
    const env = serveEnv(fakeNvidiaSmi({ script: `[ "$1 $2" = "-q -x" ] || exit 2\ncat '${capture}'` }));
    const dbPath = join(env.XDG_DATA_HOME!, 'e2e.db');
    seedHistory(dbPath, ['GPU-12345678-aaaa-bbbb-cccc-0123456789ab', 'GPU-12345678-aaaa-bbbb-cccc-0123456789cd']);
    serve = await startServe(['--db', dbPath], env);
  });
  afterAll(async () => {
    await serve?.stop();
    job?.kill();
  });

  it('loads, shows the node, draws live data and switches ranges', async () => {
    // A zone away from UTC, named on the time navigation (December: CET).
    const page = await browser.newPage({ viewport: { width: 1440, height: 1400 }, colorScheme: 'light', timezoneId: 'Europe/Berlin' });
    page.on('console', (message) => {
      if (message.type() === 'error' && !isNetworkChangeNoise(message.text())) problems.push(`console: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));

    await page.goto(serve.url);
    expect(new URL(page.url()).searchParams.has('token')).toBe(false);
    await page.getByTestId('app-ready').waitFor({ timeout: 30_000 });
    await expect.poll(() => page.getByTestId('node-header').textContent(), { timeout: 15_000 }).toContain(hostname());
    await expect.poll(() => page.getByTestId('gpu-status').textContent(), { timeout: 15_000 }).toMatch(/2 GPUs/);
    expect(await page.getByTestId('node-header').textContent()).toMatch(/590\.44\.01/);

    expect(await attr(page, 'range-5m', 'aria-pressed')).toBe('true');
    const cpu5m = await waitForPoints(page, 'chart-cpu.util_pct', '5m');
    expect(await inkedPixels(page, 'chart-cpu.util_pct')).toBeGreaterThan(500);
    await waitForPoints(page, 'chart-memory.used_pct', '5m');
    await waitForPoints(page, 'chart-gpu.util_pct', '5m');
    await waitForPoints(page, 'chart-gpu.temperature_c', '5m');
    expect(await inkedPixels(page, 'chart-gpu.util_pct')).toBeGreaterThan(500);

    // Live: new snapshots arrive as events and extend the 5-minute chart.
    await expect.poll(() => attr(page, 'chart-cpu.util_pct', 'data-points').then(Number), { timeout: 15_000 }).toBeGreaterThan(cpu5m);

    await page.getByTestId('range-1h').click();
    expect(await attr(page, 'range-1h', 'aria-pressed')).toBe('true');
    expect(await attr(page, 'range-5m', 'aria-pressed')).toBe('false');
    const cpu1h = await waitForPoints(page, 'chart-cpu.util_pct', '1h');
    expect(cpu1h).toBeGreaterThan(cpu5m);

    await page.getByTestId('range-24h').click();
    const cpu24h = await waitForPoints(page, 'chart-cpu.util_pct', '24h');
    expect(cpu24h).toBeGreaterThan(0);
    expect(await inkedPixels(page, 'chart-cpu.util_pct')).toBeGreaterThan(500);

    // Who is on the GPUs: the job on both, with its user and command line from /proc.
    await expect.poll(() => page.getByTestId('gpu-process').count(), { timeout: 15_000 }).toBe(2);
    for (const row of await page.getByTestId('gpu-process').all()) {
      expect(await row.getAttribute('data-pid')).toBe(String(job.pid));
      expect(await row.textContent()).toContain(userInfo().username);
      expect(await row.textContent()).toContain(JOB_COMMAND);
    }
    expect(await page.getByTestId('time-zone').textContent()).toBe('UTC+01:00 Europe/Berlin');

    // The whole page in one window, so the fixed status bar sits at its foot, not over a chart.
    const fullHeight = await page.evaluate(() => document.documentElement.scrollHeight);
    await page.setViewportSize({ width: 1440, height: fullHeight });
    await page.screenshot({ path: join(RESULTS, 'overview.png') });
    await page.setViewportSize({ width: 1440, height: 1400 });

    // Week and month come from the 1-minute and 1-hour rollups.
    await page.getByTestId('range-7d').click();
    expect(await attr(page, 'range-7d', 'aria-pressed')).toBe('true');
    expect(await waitForPoints(page, 'chart-cpu.util_pct', '7d')).toBeGreaterThan(0);
    await waitForPoints(page, 'chart-gpu.util_pct', '7d');
    await page.getByTestId('range-30d').click();
    expect(await waitForPoints(page, 'chart-cpu.util_pct', '30d')).toBeGreaterThan(0);
    await waitForPoints(page, 'chart-gpu.temperature_c', '30d');
    expect(await inkedPixels(page, 'chart-cpu.util_pct')).toBeGreaterThan(500);
    await page.screenshot({ path: join(RESULTS, 'overview-30d.png'), fullPage: true });

    await page.getByTestId('settings-open').click();
    await page.waitForSelector('[data-testid="settings-storage"][data-loading="false"]', { timeout: 30_000 });
    for (const tier of ['raw', '1m', '1h']) expect(await page.getByTestId(`storage-tier-${tier}`).isVisible()).toBe(true);
    expect(Number(await attr(page, 'storage-tier-raw', 'data-bytes'))).toBeGreaterThan(0);
    await page.screenshot({ path: join(RESULTS, 'settings.png'), fullPage: true });
    await page.close();
    expect(problems.filter((p) => !/favicon/.test(p))).toEqual([]);
  });

  it('follows a dark system theme', async () => {
    const page = await browser.newPage({ viewport: { width: 1440, height: 1400 }, colorScheme: 'dark' });
    await page.goto(serve.url);
    await page.getByTestId('app-ready').waitFor({ timeout: 30_000 });
    await waitForPoints(page, 'chart-cpu.util_pct', '5m');
    const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    const [r, g, b] = background.match(/\d+/g)!.map(Number);
    expect(r! + g! + b!).toBeLessThan(200);
    await page.screenshot({ path: join(RESULTS, 'overview-dark.png'), fullPage: true });
    await page.getByTestId('settings-open').click();
    await page.waitForSelector('[data-testid="settings-storage"][data-loading="false"]', { timeout: 30_000 });
    await page.screenshot({ path: join(RESULTS, 'settings-dark.png'), fullPage: true });
    await page.close();
  });
});

describe('a node without GPUs', () => {
  it('shows a clear empty state with the driver message', async () => {
    const env = serveEnv(fakeNvidiaSmi({ errorFixture: 'no-devices-found.txt', exitCode: 6 }));
    const serve = await startServe(['--db', join(env.XDG_DATA_HOME!, 'e2e-nogpu.db')], env);
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      await page.goto(serve.url);
      await page.getByTestId('gpu-empty').waitFor({ timeout: 30_000 });
      expect(await page.getByTestId('gpu-empty').textContent()).toMatch(/found no GPUs/);
      await waitForPoints(page, 'chart-cpu.util_pct', '5m');
      expect(await page.locator('[data-testid^="gpu-0-"]').count()).toBe(0);
      await page.screenshot({ path: join(RESULTS, 'overview-no-gpu.png'), fullPage: true });
      await page.close();
    } finally {
      await serve.stop();
    }
  });
});
