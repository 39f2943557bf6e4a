// The screen never looks healthier than the fleet is: in Debian's Chromium against `clusterdeck
// serve`, with real SSH nodes from the SSH lab. A node whose cable is cut (no RST, no FIN: its
// collection just hangs) is drawn stale with "last seen ... ago", its GPUs stay in the heatmap as
// "no reading", its page greys its GPU badge, and the status bar names it; a frozen server
// (SIGSTOP of serve) turns the live dot amber and every row stale, and both recover.
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SshNode } from '../../shared/model/inventory';
import { isNetworkChangeNoise, launchChromium } from '../helpers/browser';
import { ROOT, isolatedEnv, startServe, type ServeProcess } from '../helpers/cli';
import { SshLab } from '../helpers/ssh-lab';

const RESULTS = join(ROOT, 'test-results');
// Short, so two intervals pass quickly; a tick of two SSH nodes fits well inside it.
const INTERVAL_MS = 3000;
const A5000 = '2x-rtx-a5000-drv590-v13.xml';
const RTX3080 = 'rtx-3080-drv595-v13.xml';
const GPUS = { 'gpu-a': 2, 'gpu-b': 1 } as const;
const ALL_GPUS = GPUS['gpu-a'] + GPUS['gpu-b'];

let lab: SshLab;
let serve: ServeProcess;
let browser: Browser;
let page: Page;
let serveStopped = false;
const problems: string[] = [];

beforeAll(async () => {
  mkdirSync(RESULTS, { recursive: true });
  lab = await SshLab.create({
    hosts: [
      { name: 'gpu-a', nvidiaSmi: { xmlFixture: A5000 } },
      { name: 'gpu-b', nvidiaSmi: { xmlFixture: RTX3080 } },
    ],
  });
  // This machine as a node without GPUs (no nvidia-smi on PATH), its own config, data and home.
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
  serve = await startServe(['--db', join(dataDir, 'stale-e2e.db')], env);
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1440, height: 1000 }, colorScheme: 'light' });
  page.on('console', (message) => {
    if (message.type() === 'error' && !isNetworkChangeNoise(message.text())) problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
}, 180_000);

afterAll(async () => {
  // A stopped process only acts on SIGTERM once it runs again.
  if (serveStopped) serve.child.kill('SIGCONT');
  await page?.close();
  await browser?.close();
  await serve?.stop();
  await lab?.dispose();
});

const row = (nodeId: string) => page.getByTestId(`fleet-row-${nodeId}`);
const rowAttr = async (nodeId: string, name: string) => ((await row(nodeId).count()) === 0 ? null : row(nodeId).getAttribute(name));
const heatmap = () => page.getByTestId('gpu-heatmap');

/** A port that was free a moment ago: connections to it are refused. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

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

describe('stale values in the fleet', () => {
  it('shows two live SSH nodes with all their GPUs, none stale', async () => {
    await page.goto(serve.url);
    await page.getByTestId('app-ready').waitFor({ timeout: 30_000 });
    for (const name of ['gpu-a', 'gpu-b'] as const) {
      const host = lab.host(name);
      await addNode({
        id: name,
        host: host.address,
        port: host.port,
        user: host.user,
        identityFiles: [host.privateKeyPath],
        useAgent: false,
        proxyJump: [],
        labels: [],
      });
    }
    await page.getByTestId('nav-fleet').click();
    for (const name of ['gpu-a', 'gpu-b', hostname()]) {
      await expect.poll(() => rowAttr(name, 'data-status'), { timeout: 40_000, message: `${name} should come up\n${lab.diagnostics()}` }).toBe('up');
    }
    await expect.poll(() => heatmap().getAttribute('data-cells'), { timeout: 20_000 }).toBe(String(ALL_GPUS));
    await expect.poll(() => rowAttr('gpu-a', 'data-stale')).toBe('false');
    expect(await heatmap().getAttribute('data-stale-nodes')).toBe('');
    expect(await page.getByTestId('stream-state').getAttribute('data-live')).toBe('true');
  });

  it('draws a node whose collection hangs as stale, "last seen ... ago", its GPUs kept as no reading', async () => {
    await lab.partition('gpu-a');
    await expect.poll(() => rowAttr('gpu-a', 'data-stale'), { timeout: 30_000 }).toBe('true');
    expect(await page.getByTestId('last-seen-gpu-a').textContent()).toMatch(/^last seen (\d+ s|\d+ min) ago$/);
    // Its GPUs stay, drawn as "no reading"; the healthy node's stay coloured.
    await expect.poll(() => heatmap().getAttribute('data-stale-nodes')).toBe('gpu-a');
    expect(await heatmap().getAttribute('data-cells')).toBe(String(ALL_GPUS));
    expect(Number(await heatmap().getAttribute('data-no-reading'))).toBe(GPUS['gpu-a']);
    expect(await page.getByTestId('gpu-count-gpu-a').textContent()).toBe(String(GPUS['gpu-a']));
    await expect.poll(() => rowAttr('gpu-b', 'data-stale')).toBe('false');
    // Whatever its status says (degraded while the collection hangs, then unreachable).
    expect(['degraded', 'unreachable']).toContain(await rowAttr('gpu-a', 'data-status'));
    await expect.poll(() => page.getByTestId('node-trouble').textContent()).toMatch(/^1 node (degraded|down|in trouble): gpu-a \(/);
    expect(await page.getByTestId('engine-state').getAttribute('data-state')).toBe('running');
    // Its tooltip gives the last values and their age.
    const box = (await page.locator('.heatmap__canvas').boundingBox())!;
    await page.mouse.move(box.x + 4, box.y + 20);
    await expect.poll(() => page.locator('.heatmap__tooltip').textContent()).toMatch(/^gpu-a.*No reading: last seen \d+ s ago.*Then: Util/);
    await page.screenshot({ path: join(RESULTS, 'fleet-stale-node.png'), fullPage: true });
    await page.mouse.move(0, 0);
  });

  it("greys the node page's GPU badge and values as last seen, not current", async () => {
    await page.getByTestId('node-link-gpu-a').click();
    await expect.poll(() => page.getByTestId('node-seen').getAttribute('data-stale'), { timeout: 15_000 }).toBe('true');
    expect(await page.getByTestId('node-seen').textContent()).toMatch(/^last seen .* ago \(collected \d/);
    expect(await page.getByTestId('gpu-status').getAttribute('data-stale')).toBe('true');
    expect(await page.getByTestId('gpu-status').locator('.pill--ok').count()).toBe(0);
    expect(await page.locator('.gpu-card__stats--stale').count()).toBe(GPUS['gpu-a']);
    expect(await page.getByTestId('node-picker').locator('option[value="gpu-a"]').textContent()).toContain(`(${GPUS['gpu-a']} GPUs)`);
    await page.screenshot({ path: join(RESULTS, 'node-stale.png'), fullPage: true });
    await page.getByTestId('nav-fleet').click();
  });

  it('is fresh again once the node answers', async () => {
    await lab.heal('gpu-a');
    await expect.poll(() => rowAttr('gpu-a', 'data-stale'), { timeout: 90_000, message: `gpu-a should answer again\n${lab.diagnostics()}` }).toBe('false');
    await expect.poll(() => heatmap().getAttribute('data-stale-nodes'), { timeout: 20_000 }).toBe('');
    await expect.poll(() => rowAttr('gpu-a', 'data-status'), { timeout: 40_000 }).toBe('up');
  });

  it('turns the live dot amber and every row stale while the server is frozen, and back when it runs again', async () => {
    await expect.poll(() => page.getByTestId('stream-state').getAttribute('data-live')).toBe('true');
    serve.child.kill('SIGSTOP');
    serveStopped = true;
    try {
      // The connection stays open: only the silence tells.
      await expect.poll(() => page.getByTestId('stream-state').getAttribute('data-live'), { timeout: 20_000 }).toBe('false');
      expect(await page.getByTestId('stream-state').getAttribute('data-state')).toBe('open');
      expect(await page.getByTestId('stream-state').textContent()).toMatch(/^no updates for \d+ s$/);
      expect(await page.getByTestId('stream-state').locator('.dot--warn').count()).toBe(1);
      for (const name of ['gpu-a', 'gpu-b', hostname()]) await expect.poll(() => rowAttr(name, 'data-stale')).toBe('true');
      await expect.poll(() => heatmap().getAttribute('data-stale-nodes')).toBe('gpu-a gpu-b');
      // The engine's own "no tick for N s" runs on its own timer: polled, not read once.
      await expect.poll(() => page.getByTestId('engine-state').getAttribute('data-stalled')).toBe('true');
      await expect.poll(() => page.getByTestId('fleet-progress').getAttribute('data-stale')).toBe('3');
      // Their last status is "up", but no green dot says so.
      expect(await row('gpu-b').locator('.fleet-status .dot--ok').count()).toBe(0);
      await page.screenshot({ path: join(RESULTS, 'fleet-server-frozen.png'), fullPage: true });
    } finally {
      serve.child.kill('SIGCONT');
      serveStopped = false;
    }
    await expect.poll(() => page.getByTestId('stream-state').getAttribute('data-live'), { timeout: 20_000 }).toBe('true');
    for (const name of ['gpu-a', 'gpu-b', hostname()]) await expect.poll(() => rowAttr(name, 'data-stale'), { timeout: 20_000 }).toBe('false');
    await expect.poll(() => page.getByTestId('engine-state').getAttribute('data-stalled')).toBe('false');
  });

  it('says why a node never collected has nothing to show, offers Retry, and names it in the status bar', async () => {
    const port = await closedPort();
    await addNode({ id: 'gone', host: '127.0.0.1', port, user: 'nobody', identityFiles: [], useAgent: false, proxyJump: [], labels: [] });
    await expect.poll(() => rowAttr('gone', 'data-status'), { timeout: 30_000 }).toBe('unreachable');
    await expect.poll(() => page.getByTestId('node-trouble').textContent(), { timeout: 15_000 }).toBe('1 node down: gone (unreachable)');
    expect(await page.getByTestId('engine-state').getAttribute('data-state')).toBe('running');
    await page.getByTestId('node-link-gone').click();
    const notice = page.getByTestId('node-state');
    await expect.poll(() => notice.getAttribute('data-never-collected'), { timeout: 15_000 }).toBe('true');
    expect(await notice.textContent()).toMatch(
      /^Nothing collected from gone yet: it could not be reached \(unreachable since .*\): .+\. Clusterdeck keeps trying/,
    );
    expect(await page.getByText('it appears after the next collection').count()).toBe(0);
    await page.screenshot({ path: join(RESULTS, 'node-never-collected.png') });
    await page.getByRole('button', { name: 'Retry' }).click();
    await expect.poll(() => notice.getAttribute('data-status'), { timeout: 30_000 }).toMatch(/^(connecting|unreachable)$/);
    expect(await page.getByText('Could not retry').count()).toBe(0);
  });

  it('keeps the GPUs of a node whose nvidia-smi hangs as "no reading" in the table, the heatmap and the picker', async () => {
    lab.setNvidiaSmi('gpu-b', { xmlFixture: RTX3080, delayMs: 600_000 });
    await page.getByTestId('nav-fleet').click();
    // The hung read runs into nvidia-smi's timeout (10 s); then the node is read without its GPUs for a while.
    await expect.poll(() => page.getByTestId('gpu-count-gpu-b').textContent(), { timeout: 60_000 }).toBe(`${GPUS['gpu-b']} no reading`);
    // Its other values are current: the node is not stale, only its GPUs are unread.
    expect(await rowAttr('gpu-b', 'data-stale')).toBe('false');
    expect(await heatmap().getAttribute('data-cells')).toBe(String(ALL_GPUS));
    await expect.poll(() => heatmap().getAttribute('data-no-reading')).toBe(String(GPUS['gpu-b']));
    await page.screenshot({ path: join(RESULTS, 'fleet-gpu-no-reading.png'), fullPage: true });
    await page.getByTestId('node-link-gpu-b').click();
    await expect.poll(() => page.getByTestId('node-picker').locator('option[value="gpu-b"]').textContent()).toContain('(1 GPU)');
    expect(problems.filter((p) => !/favicon/.test(p))).toEqual([]);
  });
});
