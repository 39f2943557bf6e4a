// The administrator's fleet page (issue 14) in Debian's Chromium against `clusterdeck serve`, with
// real SSH nodes from the SSH lab (fake nvidia-smi printing real captures): grouping by a label
// with totals per group (table and heatmap), search by GPU model, the fleet table as CSV equal to
// what the table shows, each row's actions in a keyboard menu, where the focus goes after Remove
// and after Enter on a heatmap cell, no horizontal scroll at 1024x700 and 1440x900, an A100's MIG
// instances under it, a V100's ECC and retired-page flags, and sparklines with points after a few ticks.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SshNode } from '../../shared/model/inventory';
import { isNetworkChangeNoise, launchChromium } from '../helpers/browser';
import { ROOT, isolatedEnv, startServe, type ServeProcess } from '../helpers/cli';
import { fakeNvidiaSmi } from '../helpers/fake-nvidia-smi';
import { camelKeys, readFixture } from '../helpers/fixtures';
import { SshLab } from '../helpers/ssh-lab';
import { tempDir } from '../helpers/tmp';

const RESULTS = join(ROOT, 'test-results');
const INTERVAL_MS = 3000;
const A5000 = '2x-rtx-a5000-drv590-v13.xml';
const A100_MIG = 'a100-sxm4-80gb-mig-drv535-v12.xml';
/** ECC errors and retired pages: a node added last (the tests before count three lab nodes). */
const V100_RETIRED = 'v100-sxm3-32gb-retired-pages-drv410-v10.xml';
const ECC_NODE = { name: 'gpu-v', fixture: V100_RETIRED, labels: ['rack-3'] } as const;
const NODES = [
  { name: 'gpu-a', fixture: A5000, labels: ['rack-1', 'team-vision'] },
  { name: 'gpu-b', fixture: A100_MIG, labels: ['rack-2'] },
  { name: 'cpu-c', fixture: null, labels: ['rack-1'] },
] as const;

interface FixtureGpu {
  productName: string;
  gpuUtilPct: number | null;
  fbMemoryUsedMib: number | null;
  fbMemoryTotalMib: number | null;
}
const gpusOf = (fixture: string | null): FixtureGpu[] =>
  fixture === null ? [] : (camelKeys(JSON.parse(readFixture('nvidia-smi', 'xml', fixture.replace('.xml', '.expected.json')))) as { gpus: FixtureGpu[] }).gpus;

/** The renderer's number format (renderer/src/format.ts): three significant digits at most. */
const compact = (v: number) => Number(v.toFixed(Math.abs(v) >= 100 ? 0 : Math.abs(v) >= 10 ? 1 : 2)).toString();
const mib = (v: number) => (v >= 1024 ? `${compact(v / 1024)} GiB` : `${compact(v)} MiB`);

let lab: SshLab;
let serve: ServeProcess;
let browser: Browser;
let page: Page;
const problems: string[] = [];

beforeAll(async () => {
  mkdirSync(RESULTS, { recursive: true });
  lab = await SshLab.create({
    hosts: [...NODES, ECC_NODE].map((n) => ({ name: n.name, ...(n.fixture ? { nvidiaSmi: { xmlFixture: n.fixture } } : {}) })),
  });
  // This machine as a node without GPUs (no nvidia-smi on PATH) and without labels.
  const path = (process.env.PATH ?? '').split(delimiter).filter((dir) => dir && !existsSync(join(dir, 'nvidia-smi')));
  const env = isolatedEnv({ PATH: path.join(delimiter), HOME: mkdtempSync(join(tmpdir(), 'cd-e2e-home-')) });
  mkdirSync(join(env.XDG_CONFIG_HOME!, 'clusterdeck'), { recursive: true });
  writeFileSync(join(env.XDG_CONFIG_HOME!, 'clusterdeck', 'config.yaml'), `collection:\n  intervalMs: ${INTERVAL_MS}\n`);
  const dataDir = join(env.XDG_DATA_HOME!, 'clusterdeck');
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(
    join(dataDir, 'known_hosts'),
    lab
      .hosts()
      .map((h) => `${h.hostPublicKeyLine}\n`)
      .join(''),
  );
  serve = await startServe(['--db', join(dataDir, 'fleet-admin-e2e.db')], env);
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1440, height: 900 }, colorScheme: 'light', acceptDownloads: true });
  page.on('console', (message) => {
    if (message.type() === 'error' && !isNetworkChangeNoise(message.text())) problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
}, 180_000);

afterAll(async () => {
  await page?.close();
  await browser?.close();
  await serve?.stop();
  await lab?.dispose();
});

/** The MIG devices of the capture's GPU: GPU instance id and memory used / total, in document order. */
function migDevicesOf(fixture: string): Array<{ gi: number; usedMib: number; totalMib: number }> {
  const xml = readFixture('nvidia-smi', 'xml', fixture);
  return [...xml.matchAll(/<mig_device>([\s\S]*?)<\/mig_device>/g)].map(([, body]) => ({
    gi: Number(/<gpu_instance_id>(\d+)</.exec(body!)![1]),
    totalMib: Number(/<fb_memory_usage>\s*<total>(\d+) MiB</.exec(body!)![1]),
    usedMib: Number(/<fb_memory_usage>[\s\S]*?<used>(\d+) MiB</.exec(body!)![1]),
  }));
}

/** How many points the polylines of these sparkline SVGs have, each. */
const sparkPoints = (svgs: ReturnType<Page['locator']>) =>
  svgs.evaluateAll((all) => all.map((svg) => [...svg.querySelectorAll('polyline')].reduce((n, line) => n + line.points.numberOfItems, 0)));

async function addNode(node: SshNode): Promise<void> {
  const answer = await page.evaluate(
    async (body) => {
      const response = await fetch('api/call/nodes:add', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
      return (await response.json()) as { ok: boolean };
    },
    { node },
  );
  expect(answer.ok).toBe(true);
}

const row = (nodeId: string) => page.getByTestId(`fleet-row-${nodeId}`);
const shownRowIds = () =>
  page
    .locator('[data-testid^="fleet-row-"]:not([data-testid^="fleet-row-detail-"])')
    .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-testid')!.slice('fleet-row-'.length)));
const activeTestId = () => page.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? document.activeElement?.tagName ?? null);

/** No horizontal scroll: not the page, not the table's box. */
async function horizontalOverflow(): Promise<{ page: number; table: number }> {
  return page.evaluate(() => {
    const doc = document.scrollingElement!;
    const wrap = document.querySelector('[data-testid="fleet-table-wrap"]')!;
    return { page: doc.scrollWidth - doc.clientWidth, table: wrap.scrollWidth - wrap.clientWidth };
  });
}

describe('the administrator’s fleet page', () => {
  it('shows the lab nodes with GPU detail per node', async () => {
    await page.goto(serve.url);
    await page.getByTestId('app-ready').waitFor({ timeout: 30_000 });
    for (const node of NODES) {
      const host = lab.host(node.name);
      await addNode({
        id: node.name,
        host: host.address,
        port: host.port,
        user: host.user,
        identityFiles: [host.privateKeyPath],
        useAgent: false,
        proxyJump: [],
        labels: [...node.labels],
      });
    }
    await page.getByTestId('nav-fleet').click();
    await page.getByTestId('page-fleet').waitFor();
    for (const node of NODES) await expect.poll(() => row(node.name).getAttribute('data-status'), { timeout: 40_000, message: lab.diagnostics() }).toBe('up');
    await expect.poll(() => row(hostname()).getAttribute('data-status'), { timeout: 20_000 }).toBe('up');
    await expect.poll(() => page.getByTestId('gpu-count-gpu-a').textContent(), { timeout: 20_000 }).toBe('2');
    // A bar per GPU, memory used/total and the power against its limit.
    expect(await page.getByTestId('gpu-bars-gpu-a').getAttribute('aria-label')).toMatch(/^GPU utilisation of gpu-a: GPU 0 \d+(\.\d+)?%, GPU 1 \d+(\.\d+)?%$/);
    const a = gpusOf(A5000);
    const used = a.reduce((n, g) => n + g.fbMemoryUsedMib!, 0);
    const total = a.reduce((n, g) => n + g.fbMemoryTotalMib!, 0);
    expect(await page.getByTestId('gpu-detail-gpu-a').textContent()).toContain(`${mib(used)} / ${mib(total)}`);
    // Each GPU listed under the row on request.
    await page.getByTestId('gpu-toggle-gpu-b').click();
    expect(await page.getByTestId('gpu-list-gpu-b').textContent()).toContain('A100');
    await page.getByTestId('gpu-toggle-gpu-b').click();
    expect(await page.getByTestId('gpu-list-gpu-b').count()).toBe(0);
  });

  it('finds nodes by GPU model, in the table and the heatmap', async () => {
    await page.getByTestId('fleet-filter-text').fill('A100');
    await expect.poll(shownRowIds).toEqual(['gpu-b']);
    await expect.poll(() => page.getByTestId('gpu-heatmap').getAttribute('data-cells')).toBe(String(gpusOf(A100_MIG).length));
    await page.getByTestId('fleet-filter-text').fill('535.54');
    await expect.poll(shownRowIds).toEqual(['gpu-b']);
    await page.getByTestId('fleet-filter-text').fill('');
    await expect.poll(() => shownRowIds().then((ids) => ids.length)).toBe(NODES.length + 1);
  });

  it('groups the table and the heatmap by a label, with totals per group', async () => {
    await page.getByTestId('fleet-group-by').selectOption('rack');
    const head = (value: string) => page.getByTestId(`fleet-group-${value}`);
    await head('rack-1').waitFor();
    const total = (value: string, what: string) => head(value).locator(`[data-total="${what}"]`).textContent();
    const a = gpusOf(A5000);
    const b = gpusOf(A100_MIG);
    const utils = a.map((g) => g.gpuUtilPct).filter((v): v is number => v !== null);
    expect(await total('rack-1', 'nodes')).toBe('2 nodes');
    expect(await total('rack-1', 'gpus')).toBe(`${a.length} GPUs`);
    expect(await total('rack-1', 'util')).toBe(`mean util ${compact(utils.reduce((x, y) => x + y, 0) / utils.length)}%`);
    const usedA = a.reduce((n, g) => n + g.fbMemoryUsedMib!, 0);
    const totalA = a.reduce((n, g) => n + g.fbMemoryTotalMib!, 0);
    expect(await total('rack-1', 'memory')).toBe(`memory ${mib(usedA)} / ${mib(totalA)}`);
    const degraded = async (...ids: string[]) => (await Promise.all(ids.map((id) => row(id).getAttribute('data-status')))).filter((s) => s !== 'up').length;
    const rack1Problems = await degraded('gpu-a', 'cpu-c');
    expect(await total('rack-1', 'problems')).toBe(`${rack1Problems} problem${rack1Problems === 1 ? '' : 's'}`);
    expect(await total('rack-2', 'nodes')).toBe('1 node');
    expect(await total('rack-2', 'gpus')).toBe(`${b.length} GPU`);
    expect(await total('rack-2', 'memory')).toBe(`memory ${mib(b[0]!.fbMemoryUsedMib!)} / ${mib(b[0]!.fbMemoryTotalMib!)}`);
    expect(await total('-', 'nodes')).toBe('1 node');
    // Rows under their group's head, in group order.
    expect(await shownRowIds()).toEqual(['cpu-c', 'gpu-a', 'gpu-b', hostname()]);
    // The heatmap in the same sections (nodes with GPUs only), headed by the same totals.
    await expect
      .poll(() => page.getByTestId('gpu-heatmap').getAttribute('data-sections'))
      .toMatch(/^rack-1 · 2 nodes · 2 GPUs · mean 0 %( · \d problems?)?\nrack-2 · 1 node · 1 GPU( · 1 problem)?$/);
    await page.screenshot({ path: join(RESULTS, 'fleet-grouped.png'), fullPage: true });
  });

  it('exports the table as CSV: the rows shown, one per node, equal to the table', async () => {
    // CPU load moves with every tick: the CSV holds the values shown just before or just after.
    const cpuTexts = () => page.locator('[data-testid^="fleet-row-"] td:nth-child(4)').allTextContents();
    const cpuBefore = await cpuTexts();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('fleet-export-csv').click()]);
    expect(download.suggestedFilename()).toMatch(/^fleet-.*\.csv$/);
    const text = readFileSync((await download.path())!, 'utf8');
    const lines = text.trimEnd().split('\r\n');
    const header = lines[0]!.split(',');
    expect(header.slice(0, 4)).toEqual(['group', 'node', 'hostname', 'status']);
    // No field of this fleet needs quotes but the GPU models', which hold no comma either.
    const records = lines.slice(1).map((line) => Object.fromEntries(line.split(',').map((v, i) => [header[i]!, v])));
    const ids = await shownRowIds();
    const cpuAfter = await cpuTexts();
    expect(records.map((r) => r.node)).toEqual(ids);
    for (const [i, record] of records.entries()) {
      const id = record.node!;
      expect(record.status).toBe(await row(id).getAttribute('data-status'));
      expect(record.gpus).toBe((await page.getByTestId(`gpu-count-${id}`).textContent())!.trim());
      expect(record.labels).toBe((await row(id).locator('.fleet-labels .chip').allTextContents()).join(' '));
      expect([cpuBefore[i], cpuAfter[i]]).toContain(record.cpu_pct === '' ? '—' : `${compact(Number(record.cpu_pct))}%`);
      if (record.gpus !== '0') {
        const util = (await page.getByTestId(`gpu-util-${id}`).textContent())!;
        expect(record.gpu_util_mean_pct === '' ? '—' : `${compact(Number(record.gpu_util_mean_pct))}%`).toBe(util);
      }
    }
    expect(records.find((r) => r.node === 'gpu-b')?.gpu_models).toBe('NVIDIA A100-SXM4-80GB');
    expect(records.find((r) => r.node === 'gpu-a')?.group).toBe('rack-1');
  });

  it('offers each row’s actions in a menu usable from the keyboard', async () => {
    const button = page.getByTestId('row-menu-gpu-a');
    expect(await button.getAttribute('aria-haspopup')).toBe('menu');
    await button.focus();
    await page.keyboard.press('Enter');
    const menu = page.getByRole('menu', { name: 'Actions for gpu-a' });
    await menu.waitFor();
    expect(await button.getAttribute('aria-expanded')).toBe('true');
    const items = await menu.getByRole('menuitem').allTextContents();
    // A degraded node also offers "Retry now", first.
    expect(items.slice(-4)).toEqual(['Open node page', 'Edit connection…', 'Labels…', 'Remove…']);
    const ids = await menu.getByRole('menuitem').evaluateAll((els) => els.map((el) => el.getAttribute('data-testid')));
    expect(await activeTestId()).toBe(ids[0]);
    await page.keyboard.press('ArrowDown');
    expect(await activeTestId()).toBe(ids[1]);
    await page.keyboard.press('End');
    expect(await activeTestId()).toBe('remove-open-gpu-a');
    await page.keyboard.press('ArrowDown');
    expect(await activeTestId()).toBe(ids[0]);
    await page.keyboard.press('Escape');
    await menu.waitFor({ state: 'detached' });
    expect(await activeTestId()).toBe('row-menu-gpu-a');
    // A dialog chosen from the menu gives the focus back to the menu button when cancelled.
    await page.keyboard.press('ArrowUp');
    expect(await activeTestId()).toBe('remove-open-gpu-a');
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('Enter');
    await page.getByTestId('labels-dialog').waitFor();
    await page.keyboard.press('Escape');
    await page.getByTestId('labels-dialog').waitFor({ state: 'detached' });
    expect(await activeTestId()).toBe('row-menu-gpu-a');
  });

  it('moves the focus to the next row’s menu after Remove, never to <body>', async () => {
    // Grouped by rack: cpu-c, gpu-a, gpu-b, this machine. cpu-c goes; gpu-a is next.
    await page.getByTestId('row-menu-cpu-c').click();
    await page.getByTestId('remove-open-cpu-c').click();
    await page.getByTestId('remove-node-confirm').click();
    await expect.poll(() => row('cpu-c').count()).toBe(0);
    await expect.poll(activeTestId).toBe('row-menu-gpu-a');
  });

  it('has no horizontal scroll at 1440x900 and at 1024x700, grouped or not', async () => {
    for (const size of [
      { width: 1440, height: 900 },
      { width: 1024, height: 700 },
    ]) {
      await page.setViewportSize(size);
      for (const group of ['rack', '']) {
        await page.getByTestId('fleet-group-by').selectOption(group);
        await page.getByTestId('gpu-toggle-gpu-a').click();
        await expect.poll(horizontalOverflow, { message: `${size.width}x${size.height} group=${group}` }).toEqual({ page: 0, table: 0 });
        await page.getByTestId('gpu-toggle-gpu-a').click();
      }
      // Every row's menu button is inside the window.
      const box = await page.getByTestId('row-menu-gpu-a').boundingBox();
      expect(box!.x + box!.width).toBeLessThanOrEqual(size.width);
      await page.screenshot({ path: join(RESULTS, `fleet-${size.width}x${size.height}.png`), fullPage: true });
    }
    await page.setViewportSize({ width: 1440, height: 900 });
  });

  it('opens the node of a heatmap cell with Enter and puts the focus on the node page’s heading', async () => {
    await page.getByTestId('gpu-heatmap').focus();
    await page.keyboard.press('Home');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByTestId('app-ready').getAttribute('data-view')).toBe('node');
    await expect
      .poll(() =>
        page.evaluate(() => (document.activeElement?.matches('main h1, main h2') ? document.activeElement.textContent : document.activeElement?.tagName)),
      )
      .toContain('gpu-a');
    expect(problems).toEqual([]);
  });

  it('lists MIG instances under their GPU, flags ECC errors and retired pages, and draws 15-minute sparklines', async () => {
    await page.getByTestId('nav-fleet').click();
    await page.getByTestId('page-fleet').waitFor();
    const host = lab.host(ECC_NODE.name);
    await addNode({
      id: ECC_NODE.name,
      host: host.address,
      port: host.port,
      user: host.user,
      identityFiles: [host.privateKeyPath],
      useAgent: false,
      proxyJump: [],
      labels: [...ECC_NODE.labels],
    });
    await expect.poll(() => row(ECC_NODE.name).getAttribute('data-status'), { timeout: 40_000, message: lab.diagnostics() }).toBe('up');

    // The V100 capture: 1 uncorrected ECC error since the driver loaded, 2 pages retired for double-bit errors, a retirement pending.
    const flags = page.getByTestId(`gpu-flags-${ECC_NODE.name}`);
    await expect.poll(() => flags.textContent(), { timeout: 20_000 }).toBe('3 GPU problems');
    expect((await flags.getAttribute('title'))!.split('\n')).toEqual([
      'GPU 0: ECC 1 uncorrected',
      'GPU 0: 2 pages retired (double bit)',
      'GPU 0: page retirement pending',
    ]);
    // Nodes without problems carry no flag.
    expect(await page.getByTestId('gpu-flags-gpu-a').count()).toBe(0);
    // Also in the GPU's own line of the list under the row.
    await page.getByTestId(`gpu-toggle-${ECC_NODE.name}`).click();
    const eccList = page.getByTestId(`gpu-list-${ECC_NODE.name}`);
    expect(await eccList.locator('.fleet-gpu__flag').allTextContents()).toEqual([
      'ECC 1 uncorrected',
      '2 pages retired (double bit)',
      'page retirement pending',
    ]);
    await page.getByTestId(`gpu-toggle-${ECC_NODE.name}`).click();

    // The A100 in MIG mode: its four instances listed under it, with their memory.
    await page.getByTestId('gpu-toggle-gpu-b').click();
    const mig = page.getByTestId('gpu-list-gpu-b').getByRole('list', { name: 'MIG instances of GPU 0' });
    const devices = migDevicesOf(A100_MIG);
    expect(devices).toHaveLength(4);
    await expect.poll(() => mig.getByRole('listitem').allTextContents()).toEqual(devices.map((d) => `MIG ${d.gi} · ${mib(d.usedMib)} / ${mib(d.totalMib)}`));

    // Sparklines: the node's mean line in its row and each GPU's line in the list, with points after a few ticks.
    const rowSpark = page.getByTestId('gpu-detail-gpu-a').locator('svg.fleet-spark');
    await expect.poll(() => sparkPoints(rowSpark), { timeout: 5 * INTERVAL_MS }).toEqual([expect.any(Number)]);
    await expect.poll(async () => (await sparkPoints(rowSpark))[0], { timeout: 5 * INTERVAL_MS }).toBeGreaterThanOrEqual(3);
    // A GPU in MIG mode reports no utilisation (N/A): its line stays empty rather than drawn at 0.
    expect(await sparkPoints(page.getByTestId('gpu-list-gpu-b').locator('svg.fleet-spark'))).toEqual([0]);
    await page.getByTestId('gpu-toggle-gpu-a').click();
    const gpuSparks = page.getByTestId('gpu-list-gpu-a').locator('svg.fleet-spark');
    expect(await gpuSparks.count()).toBe(gpusOf(A5000).length);
    await expect.poll(async () => Math.min(...(await sparkPoints(gpuSparks))), { timeout: 5 * INTERVAL_MS }).toBeGreaterThanOrEqual(3);
    await page.getByTestId('gpu-toggle-gpu-a').click();
    await page.getByTestId('gpu-toggle-gpu-b').click();
    expect(problems).toEqual([]);
  });
});

// Who is on a GPU, in the heatmap's tooltip: this machine as the node, a fake nvidia-smi printing
// a real capture (Tesla T4) whose job's PID is a process this test starts, so its user and command
// line come from /proc.
describe('the heatmap tooltip', () => {
  let local: ServeProcess;
  let job: ChildProcess;

  beforeAll(async () => {
    job = spawn('/bin/sh', ['-c', 'sleep 600', 'train', '--epochs', '3', '--data', '/scratch/imagenet'], { stdio: 'ignore' });
    const xml = readFixture('nvidia-smi/xml', 'tesla-t4-linux-drv515-v11.xml').replace('<pid>5762</pid>', `<pid>${job.pid}</pid>`);
    const capture = join(tempDir(), 'capture.xml');
    writeFileSync(capture, xml);
    const fake = fakeNvidiaSmi({ script: `[ "$1 $2" = "-q -x" ] || exit 2\ncat '${capture}'` });
    const env = isolatedEnv({ PATH: fake.path });
    mkdirSync(join(env.XDG_CONFIG_HOME!, 'clusterdeck'), { recursive: true });
    writeFileSync(join(env.XDG_CONFIG_HOME!, 'clusterdeck', 'config.yaml'), 'collection:\n  intervalMs: 1000\n');
    local = await startServe(['--db', join(env.XDG_DATA_HOME!, 'e2e.db')], env);
  }, 60_000);

  afterAll(async () => {
    await local?.stop();
    job?.kill();
  });

  it('names the GPU’s processes: user, command, memory', async () => {
    const tab = await browser.newPage({ viewport: { width: 1440, height: 900 }, colorScheme: 'light' });
    await tab.goto(local.url);
    await tab.getByTestId('app-ready').waitFor({ timeout: 30_000 });
    await tab.getByTestId('nav-fleet').click();
    await expect.poll(() => tab.getByTestId('gpu-heatmap').getAttribute('data-cells'), { timeout: 15_000 }).toBe('1');
    const me = execFileSync('id', ['-un'], { encoding: 'utf8' }).trim();
    const command = '/bin/sh -c sleep 600 train --epochs 3 --data /scratch/imagenet';
    const expected = `${me} · ${command.slice(0, 47)}… · 1005 MiB`;
    // From the keyboard: the first cell's tooltip shows while it has the focus.
    await tab.getByTestId('gpu-heatmap').focus();
    await tab.keyboard.press('Home');
    await expect.poll(() => tab.locator('.heatmap__tooltip').textContent(), { timeout: 15_000 }).toContain(expected);
    await tab.close();
  });
});
