// State in the URL, in Debian's Chromium against `clusterdeck serve` with two real SSH lab nodes
// (fake nvidia-smi printing real captures): the node page and its range survive a reload; fleet
// -> node -> Back returns to the fleet; "Copy link" puts a link without the access token on the
// clipboard that opens the same view in a new page; a custom window round-trips through the URL;
// the top bar and pages have no horizontal scroll at 1024x700 (and 1440x900), range buttons keep
// to one line and the fleet pill is not cut.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InventoryStore } from '../../electron/core/inventory/inventory-store';
import { openDatabase } from '../../electron/core/store/db';
import { isNetworkChangeNoise, launchChromium } from '../helpers/browser';
import { ROOT, isolatedEnv, startServe, type ServeProcess } from '../helpers/cli';
import { SshLab } from '../helpers/ssh-lab';

const RESULTS = join(ROOT, 'test-results');
const NODES = [
  { name: 'gpu-a', xmlFixture: '2x-rtx-a5000-drv590-v13.xml', labels: ['rack-1', 'team-vision'] },
  { name: 'gpu-b', xmlFixture: 'rtx-3090-drv590-v13.xml', labels: ['rack-2'] },
] as const;
const CONFIG_TEXT = ['collection:', '  intervalMs: 3000', ''].join('\n');

let lab: SshLab;
let serve: ServeProcess;
let browser: Browser;
let context: BrowserContext;
const problems: string[] = [];

beforeAll(async () => {
  mkdirSync(RESULTS, { recursive: true });
  lab = await SshLab.create({ hosts: NODES.map((n) => ({ name: n.name, nvidiaSmi: { xmlFixture: n.xmlFixture } })) });
  const env = isolatedEnv({ HOME: mkdtempSync(join(tmpdir(), 'cd-e2e-home-')) });
  mkdirSync(join(env.XDG_CONFIG_HOME!, 'clusterdeck'), { recursive: true });
  writeFileSync(join(env.XDG_CONFIG_HOME!, 'clusterdeck', 'config.yaml'), CONFIG_TEXT);
  const dataDir = join(env.XDG_DATA_HOME!, 'clusterdeck');
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(join(dataDir, 'known_hosts'), NODES.map((n) => `${lab.host(n.name).hostPublicKeyLine}\n`).join(''));
  const dbPath = join(dataDir, 'url-state-e2e.db');
  const db = openDatabase(dbPath);
  const inventory = new InventoryStore(db);
  for (const n of NODES) {
    const host = lab.host(n.name);
    inventory.add(
      {
        id: n.name,
        host: host.address,
        port: host.port,
        user: host.user,
        identityFiles: [host.privateKeyPath],
        useAgent: false,
        proxyJump: [],
        labels: [...n.labels],
      },
      Date.now(),
    );
  }
  db.close();
  serve = await startServe(['--db', dbPath], env);
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1440, height: 900 }, colorScheme: 'light' });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: serve.origin });
  // The printed URL trades the token for this context's session cookie; every test's page has it.
  const first = await context.newPage();
  await first.goto(serve.url);
  await first.close();
}, 180_000);

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await serve?.stop();
  await lab?.dispose();
});

function watchProblems(page: Page): void {
  page.on('console', (message) => {
    if (message.type() === 'error' && !isNetworkChangeNoise(message.text())) problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
}

async function newPage(): Promise<Page> {
  const page = await context.newPage();
  watchProblems(page);
  return page;
}

const view = (page: Page) => page.locator('.app').getAttribute('data-view');
const hashOf = (page: Page) => new URL(page.url()).hash;
const pressedRange = (page: Page) => page.locator('[data-testid^="range-"][aria-pressed="true"]').getAttribute('data-testid');
const chartRange = (page: Page) => page.getByTestId('chart-cpu.util_pct').getAttribute('data-range');

async function waitForNodeUp(page: Page, nodeId: string): Promise<void> {
  await expect
    .poll(() => page.getByTestId(`fleet-row-${nodeId}`).getAttribute('data-status'), { timeout: 40_000, message: `${nodeId} up\n${lab.diagnostics()}` })
    .toBe('up');
}

/** What the page shows: its view, node (the picker's value) and the charts' window. */
async function shown(page: Page): Promise<{ view: string | null; node: string; range: string | null; fromMs: string | null; toMs: string | null }> {
  await page.getByTestId('chart-cpu.util_pct').waitFor();
  await expect.poll(() => page.getByTestId('chart-cpu.util_pct').getAttribute('data-loading')).toBe('false');
  const chart = page.getByTestId('chart-cpu.util_pct');
  return {
    view: await view(page),
    node: await page.getByTestId('node-picker').inputValue(),
    range: await chartRange(page),
    fromMs: await chart.getAttribute('data-from-ms'),
    toMs: await chart.getAttribute('data-to-ms'),
  };
}

/** Layout facts at the current viewport: horizontal overflow of the page and the top bar, wrapped range buttons, a cut fleet pill. */
async function layout(page: Page) {
  return page.evaluate(() => {
    const doc = document.documentElement;
    const bar = document.querySelector<HTMLElement>('.topbar')!;
    const buttons = [...document.querySelectorAll<HTMLElement>('.topbar .segmented__button')];
    const lineHeight = (el: HTMLElement) => parseFloat(getComputedStyle(el).lineHeight) || 18;
    const wrapped = buttons.filter((b) => b.getBoundingClientRect().height > 2 * lineHeight(b)).map((b) => b.textContent);
    const pill = document.querySelector<HTMLElement>('[data-testid="fleet-progress"]');
    const pillBox = pill?.getBoundingClientRect();
    const outside = [...bar.querySelectorAll<HTMLElement>('button, select, a, .segmented')]
      .filter((el) => {
        const box = el.getBoundingClientRect();
        return box.width > 0 && (box.right > doc.clientWidth + 0.5 || box.left < -0.5 || box.bottom > bar.getBoundingClientRect().bottom + 0.5);
      })
      .map((el) => el.dataset.testid ?? el.className);
    return {
      pageScroll: doc.scrollWidth - doc.clientWidth,
      barScroll: bar.scrollWidth - bar.clientWidth,
      barHeight: Math.round(bar.getBoundingClientRect().height),
      wrapped,
      pill: pill ? { cut: pill.scrollWidth > pill.clientWidth + 0.5, right: pillBox!.right, text: pill.textContent } : null,
      outside,
    };
  });
}

describe('state in the URL against real SSH nodes', () => {
  it('lands on the fleet with its route in the hash and no access token in the address', async () => {
    const page = await newPage();
    await page.goto(serve.url);
    await page.getByTestId('page-fleet').waitFor({ timeout: 30_000 });
    // the printed URL's token went into a session: not into the address, history or the hash
    for (const n of NODES) await waitForNodeUp(page, n.name);
    expect(await view(page)).toBe('fleet');
    expect(hashOf(page)).toBe('#/fleet');
    expect(page.url()).not.toContain(serve.token);
    expect(page.url()).not.toContain('token');
    await page.close();
  });

  it('keeps the node and its range through a reload', async () => {
    const page = await newPage();
    await page.goto(`${serve.origin}/#/node/gpu-b?range=1h`);
    expect(await shown(page)).toMatchObject({ view: 'node', node: 'gpu-b', range: '1h' });
    expect(await pressedRange(page)).toBe('range-1h');
    // a range chosen on the page rewrites the entry: the reload keeps it
    await page.getByTestId('range-6h').click();
    await expect.poll(() => hashOf(page)).toBe('#/node/gpu-b?range=6h');
    await page.reload();
    expect(await shown(page)).toMatchObject({ view: 'node', node: 'gpu-b', range: '6h' });
    expect(await pressedRange(page)).toBe('range-6h');
    await page.close();
  });

  it('returns from a node to the fleet with Back, and forward again', async () => {
    const page = await newPage();
    await page.goto(`${serve.origin}/#/fleet`);
    for (const n of NODES) await waitForNodeUp(page, n.name);
    // filters rewrite the fleet's entry: no step per keystroke
    await page.getByTestId('fleet-filter-text').fill('gpu');
    await page.getByTestId('fleet-filter-status').selectOption('up');
    await expect.poll(() => hashOf(page)).toBe('#/fleet?q=gpu&status=up');
    await page.getByTestId('node-link-gpu-a').click();
    expect(await shown(page)).toMatchObject({ view: 'node', node: 'gpu-a', range: '5m' });
    expect(hashOf(page)).toBe('#/node/gpu-a?range=5m');
    // another node from the picker is a step of its own; a range is not
    await page.getByTestId('node-picker').selectOption('gpu-b');
    await page.getByTestId('range-1h').click();
    expect(await shown(page)).toMatchObject({ node: 'gpu-b', range: '1h' });
    await page.goBack();
    expect(await shown(page)).toMatchObject({ view: 'node', node: 'gpu-a' });
    await page.goBack();
    await page.getByTestId('page-fleet').waitFor();
    expect(await view(page)).toBe('fleet');
    expect(hashOf(page)).toBe('#/fleet?q=gpu&status=up');
    expect(await page.getByTestId('fleet-filter-text').inputValue()).toBe('gpu');
    expect(await page.getByTestId('fleet-filter-status').inputValue()).toBe('up');
    await page.goForward();
    expect(await shown(page)).toMatchObject({ view: 'node', node: 'gpu-a' });
    await page.close();
  });

  it('copies a link without the token that opens the same view in a new page', async () => {
    const page = await newPage();
    await page.goto(`${serve.origin}/#/node/gpu-b?range=24h`);
    expect(await shown(page)).toMatchObject({ node: 'gpu-b', range: '24h' });
    await page.getByTestId('copy-link').click();
    await expect.poll(() => page.getByTestId('copy-link-status').textContent()).toBe('Link copied');
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    expect(copied).toBe(`${serve.origin}/#/node/gpu-b?range=24h`);
    expect(await page.getByTestId('copy-link-status').getAttribute('data-link')).toBe(copied);
    expect(copied).not.toContain(serve.token);
    const other = await newPage();
    await other.goto(copied);
    expect(await shown(other)).toMatchObject({ view: 'node', node: 'gpu-b', range: '24h' });
    await other.close();
    await page.close();
  });

  it('keeps a custom window through the URL and a reload', async () => {
    const page = await newPage();
    const toMs = Math.floor(Date.now() / 60_000) * 60_000;
    const fromMs = toMs - 20 * 60_000;
    const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
    await page.goto(`${serve.origin}/#/node/gpu-a?range=1h&from=${iso(fromMs)}&to=${iso(toMs)}`);
    const expected = { view: 'node', node: 'gpu-a', range: 'custom', fromMs: String(fromMs), toMs: String(toMs) };
    expect(await shown(page)).toEqual(expected);
    await page.getByTestId('range-custom').waitFor();
    await page.reload();
    expect(await shown(page)).toEqual(expected);
    // a preset leaves the custom window, in the URL too
    await page.getByTestId('range-1h').click();
    await expect.poll(() => hashOf(page)).toBe('#/node/gpu-a?range=1h');
    // panning back makes a custom window of the same span: the URL names it, a reload keeps it
    await page.getByTestId('time-pan-back').click();
    await expect.poll(() => hashOf(page)).toMatch(/^#\/node\/gpu-a\?range=1h&from=[^&]+&to=[^&]+$/);
    const panned = await shown(page);
    expect(panned).toMatchObject({ range: 'custom' });
    expect(Number(panned.toMs) - Number(panned.fromMs)).toBe(3_600_000);
    await page.reload();
    expect(await shown(page)).toEqual(panned);
    await page.close();
  });

  it('shows the link to copy by hand when no clipboard takes it', async () => {
    const page = await newPage();
    await page.addInitScript(() => {
      Object.defineProperty(navigator, 'clipboard', { value: { writeText: () => Promise.reject(new Error('denied')) } });
      document.execCommand = () => false;
    });
    await page.goto(`${serve.origin}/#/node/gpu-a?range=6h`);
    await shown(page);
    await page.getByTestId('copy-link').click();
    const manual = page.getByTestId('copy-link-manual').locator('input');
    await manual.waitFor();
    expect(await manual.inputValue()).toBe(`${serve.origin}/#/node/gpu-a?range=6h`);
    // selected and focused, ready for Ctrl+C
    expect(await manual.evaluate((input: HTMLInputElement) => document.activeElement === input && input.selectionEnd === input.value.length)).toBe(true);
    // the refused clipboard is reported in the console: not counted as a problem of this test
    problems.splice(0, problems.length, ...problems.filter((p) => !p.includes('copy link')));
    await page.close();
  });

  it('keeps Settings through a reload, and its Back returns to the page it came from', async () => {
    const page = await newPage();
    await page.goto(`${serve.origin}/#/node/gpu-b?range=1h`);
    await shown(page);
    await page.getByTestId('settings-open').click();
    await expect.poll(() => hashOf(page)).toBe('#/settings');
    await page.reload();
    await expect.poll(() => view(page)).toBe('settings');
    await page.goBack();
    expect(await shown(page)).toMatchObject({ view: 'node', node: 'gpu-b', range: '1h' });
    await page.getByTestId('settings-open').click();
    await page.getByTestId('overview-open').click();
    expect(await shown(page)).toMatchObject({ view: 'node', node: 'gpu-b', range: '1h' });
    await page.close();
  });

  it("opens the fleet with a link's filters", async () => {
    const page = await newPage();
    await page.goto(`${serve.origin}/#/fleet?q=gpu-b`);
    await waitForNodeUp(page, 'gpu-b');
    expect(await page.getByTestId('fleet-filter-text').inputValue()).toBe('gpu-b');
    expect(await page.getByTestId('fleet-row-gpu-a').count()).toBe(0);
    await page.close();
  });

  it('opens the fleet grouped by a label from a link, a node’s GPUs open with their sparklines (the README’s screenshot)', async () => {
    const page = await newPage();
    await page.goto(`${serve.origin}/#/fleet?group=rack`);
    for (const n of NODES) await waitForNodeUp(page, n.name);
    expect(await page.getByTestId('fleet-group-by').inputValue()).toBe('rack');
    for (const rack of ['rack-1', 'rack-2']) await page.getByTestId(`fleet-group-${rack}`).waitFor();
    await page.getByTestId('gpu-toggle-gpu-a').click();
    const sparks = page.getByTestId('gpu-list-gpu-a').locator('svg.fleet-spark');
    const points = () =>
      sparks.evaluateAll((all) => all.map((svg) => [...svg.querySelectorAll('polyline')].reduce((n, line) => n + line.points.numberOfItems, 0)));
    await expect.poll(async () => (await points()).length).toBe(2);
    await expect.poll(async () => Math.min(...(await points())), { timeout: 30_000 }).toBeGreaterThanOrEqual(5);
    expect(hashOf(page)).toContain('group=rack');
    await page.screenshot({ path: join(RESULTS, 'url-state-fleet-grouped.png') });
    await page.close();
  });

  it('ignores a hostile hash and shows the landing view', async () => {
    const page = await newPage();
    await page.goto(`${serve.origin}/#/node/%3Cimg%20src%3Dx%20onerror%3D%22window.pwned%3D1%22%3E?range=%3Cb%3E`);
    await page.getByTestId('node-header').waitFor();
    expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
    expect(await page.locator('.node-header img').count()).toBe(0);
    expect(await pressedRange(page)).toBe('range-5m');
    await page.goto(`${serve.origin}/#/nowhere/${'x'.repeat(3000)}`);
    await page.getByTestId('page-fleet').waitFor();
    expect(hashOf(page)).toBe('#/fleet');
    await page.close();
  });

  for (const size of [
    { width: 1024, height: 700 },
    { width: 1440, height: 900 },
  ]) {
    it(`has no horizontal scroll at ${size.width}x${size.height} on the fleet and node pages; range buttons on one line, the fleet pill whole`, async () => {
      const page = await newPage();
      await page.setViewportSize(size);
      await page.goto(`${serve.origin}/#/fleet`);
      await page.getByTestId('page-fleet').waitFor();
      for (const n of NODES) await waitForNodeUp(page, n.name);
      const fleet = await layout(page);
      await page.screenshot({ path: join(RESULTS, `url-state-fleet-${size.width}x${size.height}.png`) });
      await page.goto(`${serve.origin}/#/node/gpu-a?range=1h`);
      await shown(page);
      const node = await layout(page);
      await page.screenshot({ path: join(RESULTS, `url-state-node-${size.width}x${size.height}.png`) });
      // a custom window adds its marker to the range selector
      const toMs = Date.now();
      await page.goto(`${serve.origin}/#/node/gpu-a?range=1h&from=${new Date(toMs - 600_000).toISOString()}&to=${new Date(toMs).toISOString()}`);
      await page.getByTestId('range-custom').waitFor();
      const custom = await layout(page);
      // Settings puts its Back button into the bar
      await page.getByTestId('settings-open').click();
      await page.getByTestId('overview-open').waitFor();
      const settings = await layout(page);
      for (const facts of [fleet, node, custom, settings]) {
        expect(facts).toMatchObject({ pageScroll: 0, barScroll: 0, outside: [] });
        expect(facts.pill).toMatchObject({ cut: false });
      }
      expect(node.wrapped).toEqual([]);
      expect(custom.wrapped).toEqual([]);
      // one row: the bar does not grow into a second line
      expect(node.barHeight).toBeLessThan(50);
      expect(fleet.barHeight).toBeLessThan(50);
      expect(settings.barHeight).toBeLessThan(50);
      await page.close();
    });
  }

  it('left no errors in the console', () => {
    // Other tests' SSH labs add and remove network interfaces on this machine; Chromium reports
    // that as ERR_NETWORK_CHANGED on whatever was loading (and a fetch then fails). Not the app's doing.
    const networkChanged = (p: string) => p.includes('ERR_NETWORK_CHANGED') || p.includes('cannot reach the Clusterdeck server: Failed to fetch');
    expect(problems.filter((p) => !networkChanged(p))).toEqual([]);
  });
});
