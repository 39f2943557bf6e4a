// The fleet page in Debian's Chromium against `clusterdeck serve`, with real SSH nodes from the
// SSH lab (sshd in network namespaces, fake nvidia-smi): nodes added through the Add node
// dialog and imported from the lab's ssh config, a host whose key is not known confirmed in the
// host-key dialog with the lab's real fingerprint, the GPU heatmap, filters, labels, an
// encrypted key in serve mode, removal, and a node's page with charts.
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isNetworkChangeNoise, launchChromium } from '../helpers/browser';
import { ROOT, isolatedEnv, startServe, type ServeProcess } from '../helpers/cli';
import { camelKeys, readFixture } from '../helpers/fixtures';
import { SshLab } from '../helpers/ssh-lab';

const RESULTS = join(ROOT, 'test-results');
// Not shorter: on a small CI machine an SSH tick of six nodes plus Chromium can take 2 s.
const INTERVAL_MS = 4000;
// Real captures: idle, busy, and a MIG-partitioned A100 that reports no utilisation.
const A5000 = '2x-rtx-a5000-drv590-v13.xml';
const A100_MIG = 'a100-sxm4-80gb-mig-drv535-v12.xml';
const GTX1070_BUSY = '2x-gtx-1070-drv384-v9.xml';
const RTX3080 = 'rtx-3080-drv595-v13.xml';

/** The lab: the first host is added by hand, the others imported; `gpu-d`'s key is not known beforehand. */
const HOSTS = [
  { name: 'gpu-a', fixture: A5000 },
  { name: 'gpu-b', fixture: A100_MIG },
  { name: 'cpu-c', fixture: null },
  { name: 'gpu-d', fixture: GTX1070_BUSY },
  { name: 'deep', fixture: RTX3080 },
] as const;
/** Not imported: the node with an encrypted key goes here (the engine shares one connection per user@host:port). */
const SPARE = 'spare';
const UNKNOWN_KEY_HOST = 'gpu-d';
const IMPORTED = ['gpu-b', 'cpu-c', 'gpu-d', 'deep'];

const gpuCountOf = (fixture: string | null) =>
  fixture === null
    ? 0
    : (camelKeys(JSON.parse(readFixture('nvidia-smi', 'xml', fixture.replace('.xml', '.expected.json')))) as { gpus: unknown[] }).gpus.length;
const EXPECTED_GPUS = HOSTS.reduce((n, h) => n + gpuCountOf(h.fixture), 0);

let lab: SshLab;
let serve: ServeProcess;
let browser: Browser;
const problems: string[] = [];

beforeAll(async () => {
  mkdirSync(RESULTS, { recursive: true });
  lab = await SshLab.create({
    hosts: [...HOSTS.map((h) => ({ name: h.name, ...(h.fixture ? { nvidiaSmi: { xmlFixture: h.fixture } } : {}) })), { name: SPARE }],
    bastion: { name: 'bastion', hiddenHosts: ['deep'] },
  });
  // An isolated engine: its own config, data, home (no ~/.ssh of this machine), and a
  // known_hosts beside the database that knows every lab host but one.
  // This machine as a node without GPUs (no nvidia-smi on PATH at all), so it is up and adds no cells.
  const path = (process.env.PATH ?? '').split(delimiter).filter((dir) => dir && !existsSync(join(dir, 'nvidia-smi')));
  const home = mkdtempSync(join(tmpdir(), 'cd-e2e-home-'));
  const env = isolatedEnv({ PATH: path.join(delimiter), HOME: home });
  mkdirSync(join(env.XDG_CONFIG_HOME!, 'clusterdeck'), { recursive: true });
  writeFileSync(join(env.XDG_CONFIG_HOME!, 'clusterdeck', 'config.yaml'), `collection:\n  intervalMs: ${INTERVAL_MS}\n`);
  const dataDir = join(env.XDG_DATA_HOME!, 'clusterdeck');
  mkdirSync(dataDir, { recursive: true });
  const known = lab.hosts().filter((h) => h.name !== UNKNOWN_KEY_HOST);
  writeFileSync(join(dataDir, 'known_hosts'), known.map((h) => `${h.hostPublicKeyLine}\n`).join(''));
  serve = await startServe(['--db', join(dataDir, 'fleet-e2e.db')], env);
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
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

async function rowStatus(page: Page, nodeId: string): Promise<string | null> {
  const row = page.getByTestId(`fleet-row-${nodeId}`);
  return (await row.count()) === 0 ? null : row.getAttribute('data-status');
}

async function waitForStatus(page: Page, nodeId: string, status: string, timeout = 40_000): Promise<void> {
  await expect.poll(() => rowStatus(page, nodeId), { timeout, message: `${nodeId} should become ${status}\n${lab.diagnostics()}` }).toBe(status);
}

const cells = (page: Page) => page.getByTestId('gpu-heatmap').getAttribute('data-cells').then(Number);

describe('fleet page against real SSH nodes', () => {
  let page: Page;
  /** 'nodes:list' calls of this page: one per load; snapshots and state events keep the list current after it. */
  let nodeListCalls = 0;

  beforeAll(async () => {
    page = await browser.newPage({ viewport: { width: 1440, height: 1000 }, colorScheme: 'light' });
    watchProblems(page);
    page.on('request', (request) => {
      if (new URL(request.url()).pathname.endsWith('/api/call/nodes:list')) nodeListCalls += 1;
    });
  });
  afterAll(async () => {
    await page?.close();
  });

  it('starts on the node page while only this machine is collected, and reaches the fleet from the top bar', async () => {
    await page.goto(serve.url);
    await page.getByTestId('app-ready').waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('app-ready').getAttribute('data-view')).toBe('node');
    await page.getByTestId('nav-fleet').click();
    await page.getByTestId('page-fleet').waitFor();
    await waitForStatus(page, hostname(), 'up');
    expect(await page.getByTestId('nav-fleet').getAttribute('aria-current')).toBe('page');
  });

  it('adds a node through the Add node dialog, refusing a bad form first', async () => {
    const host = lab.host('gpu-a');
    await page.getByTestId('add-node-open').click();
    const dialog = page.getByTestId('add-node-dialog');
    await dialog.waitFor();
    // A real modal: the page behind is inert.
    expect(await page.evaluate(() => document.querySelector('dialog')?.matches(':modal'))).toBe(true);
    await page.getByTestId('add-node-alias').fill('gpu-a');
    await page.getByTestId('add-node-host').fill('not a host');
    await page.getByTestId('add-node-port').fill('70000');
    await page.getByTestId('add-node-submit').click();
    await expect.poll(() => dialog.textContent()).toMatch(/a host name or address/);
    expect(await dialog.textContent()).toMatch(/at most 65535|1 to 65535/);
    expect(await page.getByTestId('add-node-host').getAttribute('aria-invalid')).toBe('true');
    await page.getByTestId('add-node-hop-add').click();
    await page.screenshot({ path: join(RESULTS, 'add-node-dialog.png') });
    await page.getByRole('button', { name: 'Remove jump host 1' }).click();

    await page.getByTestId('add-node-host').fill(host.address);
    await page.getByTestId('add-node-port').fill(String(host.port));
    await page.getByTestId('add-node-user').fill(host.user);
    await page.getByTestId('add-node-identity').fill(host.privateKeyPath);
    await page.getByTestId('add-node-labels').fill('rack-1, a5000');
    await page.getByTestId('add-node-submit').click();
    await dialog.waitFor({ state: 'detached' });
    await waitForStatus(page, 'gpu-a', 'up');
    expect(await page.getByTestId('fleet-row-gpu-a').textContent()).toContain(`${host.user}@${host.address}:${host.port}`);

    // The engine's own refusal reaches the dialog: the alias is taken now.
    await page.getByTestId('add-node-open').click();
    await page.getByTestId('add-node-alias').fill('gpu-a');
    await page.getByTestId('add-node-host').fill(host.address);
    await page.getByTestId('add-node-user').fill(host.user);
    await page.getByTestId('add-node-identity').fill(host.privateKeyPath);
    await page.getByTestId('add-node-submit').click();
    await expect.poll(() => page.getByTestId('add-node-error').textContent()).toMatch(/already exists/);
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
  });

  it('imports hosts from the lab ssh config, and asks for the host key the engine does not know', async () => {
    await page.getByTestId('import-open').click();
    const dialog = page.getByTestId('import-dialog');
    await dialog.waitFor();
    // The default ~/.ssh/config does not exist in this isolated home.
    await page.getByTestId('import-read-error').waitFor();
    await page.getByTestId('import-path').fill(lab.sshConfigPath);
    await page.getByTestId('import-read').click();
    await page.getByTestId('import-row-deep').waitFor();
    expect(await page.getByTestId('import-row-gpu-a').getAttribute('data-disabled')).toBe('true');
    expect(await page.getByTestId('import-row-gpu-a').textContent()).toContain('already in the fleet');
    expect(await page.getByTestId('import-check-gpu-a').isDisabled()).toBe(true);
    expect(await page.getByTestId('import-row-deep').textContent()).toContain('via');
    // Everything importable starts chosen; the bastion is not a node we want.
    await page.getByTestId('import-check-bastion').uncheck();
    await page.getByTestId(`import-check-${SPARE}`).uncheck();
    for (const alias of IMPORTED) expect(await page.getByTestId(`import-check-${alias}`).isChecked()).toBe(true);
    expect(await page.getByTestId('import-submit').textContent()).toBe(`Import ${IMPORTED.length} nodes`);
    await page.screenshot({ path: join(RESULTS, 'import-dialog.png') });
    await page.getByTestId('import-submit').click();
    await page.getByTestId('import-result').waitFor();
    expect(await page.getByTestId('import-result').textContent()).toContain(`Added ${IMPORTED.length} nodes`);
    await page.getByTestId('import-done').click();
    await dialog.waitFor({ state: 'detached' });

    // The node whose key is unknown stops and asks, by itself.
    const hostKey = page.getByTestId('host-key-dialog');
    await hostKey.waitFor({ timeout: 40_000 });
    const unknown = lab.host(UNKNOWN_KEY_HOST);
    expect((await page.getByTestId('host-key-fingerprint').textContent())?.trim()).toBe(unknown.hostKeyFingerprintSha256);
    expect(await page.getByTestId('host-key-endpoint').textContent()).toBe(`${unknown.address}:${unknown.port}`);
    expect(await hostKey.textContent()).toContain('ssh-ed25519');
    expect(await rowStatus(page, UNKNOWN_KEY_HOST)).toBe('host-key-unknown');
    // Cancel is focused first: Enter alone does not trust a key.
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('host-key-cancel');
    await page.screenshot({ path: join(RESULTS, 'host-key-dialog.png') });
    await page.getByTestId('host-key-trust').click();
    await hostKey.waitFor({ state: 'detached' });
    for (const alias of IMPORTED) await waitForStatus(page, alias, 'up');
    expect(await page.getByTestId('fleet-row-deep').textContent()).toMatch(/via/);
  });

  it('draws one heatmap cell per lab GPU, with a tooltip, filters and sorts the table', async () => {
    await expect.poll(() => cells(page), { timeout: 30_000 }).toBe(EXPECTED_GPUS);
    const heatmap = page.getByTestId('gpu-heatmap');
    expect(Number(await heatmap.getAttribute('data-draw-ms'))).toBeGreaterThanOrEqual(0);
    await expect.poll(() => page.getByTestId('gpu-count-cpu-c').textContent()).toBe('0');

    // The first cell (node names in order: deep, gpu-a, gpu-b, gpu-d) holds deep's RTX 3080.
    const box = (await page.locator('.heatmap__canvas').boundingBox())!;
    await page.mouse.move(box.x + 4, box.y + 20);
    await expect.poll(() => page.locator('.heatmap__tooltip').isVisible()).toBe(true);
    const tip = await page.locator('.heatmap__tooltip').textContent();
    expect(tip).toContain('deep');
    expect(tip).toContain('GPU 0 · NVIDIA GeForce RTX 3080');
    expect(tip).toMatch(/Util 65 % · Temp 27 °C/);

    await page.getByTestId('heatmap-mode-temp').click();
    await expect.poll(() => heatmap.getAttribute('data-mode')).toBe('temp');
    await page.getByTestId('heatmap-mode-util').click();

    await page.getByTestId('fleet-filter-text').fill('rack-1');
    await expect.poll(() => page.locator('[data-testid^="fleet-row-"]').count()).toBe(1);
    await expect.poll(() => cells(page)).toBe(gpuCountOf(A5000));
    await page.getByTestId('fleet-filter-text').fill('');
    await page.getByTestId('fleet-filter-label').selectOption('a5000');
    await expect.poll(() => page.locator('[data-testid^="fleet-row-"]').count()).toBe(1);
    await page.getByTestId('fleet-filter-label').selectOption('');
    await expect.poll(() => cells(page)).toBe(EXPECTED_GPUS);

    await page.getByTestId('fleet-sort-gpus').click();
    const firstRow = page.locator('[data-testid^="fleet-row-"]').first();
    await expect.poll(() => firstRow.getAttribute('data-testid')).toMatch(/fleet-row-gpu-[ad]/);
    await expect.poll(() => page.getByTestId('fleet-sort-gpus').locator('xpath=..').getAttribute('aria-sort')).toBe('descending');
    await page.getByTestId('fleet-sort-name').click();

    // Let every node report, then picture the fleet.
    await page.mouse.move(0, 0);
    await expect
      .poll(() => page.locator('[data-testid^="fleet-row-"] .fleet-pct__value').count(), { timeout: 20_000 })
      .toBeGreaterThanOrEqual(3 * (HOSTS.length + 1));
    await page.screenshot({ path: join(RESULTS, 'fleet.png'), fullPage: true });
    await expect.poll(() => page.getByTestId('fleet-progress').textContent()).toMatch(new RegExp(`^${HOSTS.length + 1} nodes · ${HOSTS.length + 1} up$`));
  });

  it('edits labels, explains the ssh-agent for an encrypted key in serve mode, and removes a node', async () => {
    // Row actions are in each row's menu (issue 14: narrow windows).
    await page.getByTestId('row-menu-cpu-c').click();
    await page.getByRole('menuitem', { name: 'Edit the labels of cpu-c' }).click();
    await page.getByTestId('labels-input').fill('cpu-only, bad label!');
    await page.getByTestId('labels-save').click();
    await expect.poll(() => page.getByTestId('labels-dialog').textContent()).toMatch(/"label!"|"bad"|not allowed|a label/);
    await page.getByTestId('labels-input').fill('cpu-only');
    await page.getByTestId('labels-save').click();
    await page.getByTestId('labels-dialog').waitFor({ state: 'detached' });
    await expect.poll(() => page.getByTestId('fleet-row-cpu-c').textContent()).toContain('cpu-only');

    const target = lab.host(SPARE);
    await page.getByTestId('add-node-open').click();
    await page.getByTestId('add-node-alias').fill('locked');
    await page.getByTestId('add-node-host').fill(target.address);
    await page.getByTestId('add-node-user').fill(target.user);
    await page.getByTestId('add-node-identity').fill(lab.keys.passphrase.privateKeyPath);
    await page.getByTestId('add-node-submit').click();
    await page.getByTestId('add-node-dialog').waitFor({ state: 'detached' });
    await waitForStatus(page, 'locked', 'auth-failed');
    await page.getByTestId('row-menu-locked').click();
    await page.getByTestId('passphrase-open-locked').click();
    await page.getByTestId('passphrase-agent-help').waitFor();
    expect(await page.getByTestId('passphrase-dialog').textContent()).toMatch(/serve keeps no passphrases.*ssh-add/s);
    await page.keyboard.press('Escape');
    await page.getByTestId('passphrase-dialog').waitFor({ state: 'detached' });

    await page.getByTestId('row-menu-locked').click();
    await page.getByTestId('remove-open-locked').click();
    expect(await page.getByTestId('remove-node-dialog').textContent()).toMatch(/history is kept/i);
    await page.getByTestId('remove-node-confirm').click();
    await expect.poll(() => page.getByTestId('fleet-row-locked').count()).toBe(0);
  });

  it('refuses a node whose host key changed, with a strong warning, until the new key is confirmed', async () => {
    const before = lab.host('gpu-b').hostKeyFingerprintSha256;
    const after = (await lab.rotateHostKey('gpu-b')).hostKeyFingerprintSha256;
    await waitForStatus(page, 'gpu-b', 'host-key-mismatch');
    expect(await page.getByTestId('host-key-banner').textContent()).toMatch(/A host key has changed/);
    await page.getByTestId('row-menu-gpu-b').click();
    await page.getByTestId('host-key-open-gpu-b').click();
    const dialog = page.getByTestId('host-key-dialog');
    await dialog.waitFor();
    expect(await dialog.textContent()).toMatch(/CHANGED.*man-in-the-middle/s);
    expect((await page.getByTestId('host-key-fingerprint').textContent())?.trim()).toBe(after);
    expect((await page.getByTestId('host-key-old-fingerprints').textContent())?.trim()).toBe(before);
    // Trusting a changed key takes a deliberate extra step.
    expect(await page.getByTestId('host-key-trust').isDisabled()).toBe(true);
    await page.getByTestId('host-key-confirm').check();
    await page.screenshot({ path: join(RESULTS, 'host-key-changed-dialog.png') });
    await page.getByTestId('host-key-trust').click();
    await dialog.waitFor({ state: 'detached' });
    await waitForStatus(page, 'gpu-b', 'up');
  });

  it('opens a node page with charts from the table and from the heatmap, and lands on the fleet next time', async () => {
    await page.getByTestId('node-link-gpu-a').click();
    await expect.poll(() => page.getByTestId('app-ready').getAttribute('data-view')).toBe('node');
    await expect.poll(() => page.getByTestId('node-header').textContent(), { timeout: 15_000 }).toContain('gpu-a');
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="chart-cpu.util_pct"]')?.getAttribute('data-points')) > 0, null, {
      timeout: 30_000,
    });
    await page.getByTestId('gpu-1').waitFor();
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="chart-gpu.util_pct"]')?.getAttribute('data-points')) > 0, null, {
      timeout: 30_000,
    });
    await page.screenshot({ path: join(RESULTS, 'fleet-node-page.png'), fullPage: true });
    // Every node added since the page loaded is in the picker, from its snapshots: the list was asked for once.
    const picked = await page
      .getByTestId('node-picker')
      .locator('option')
      .evaluateAll((options) => options.map((o) => (o as HTMLOptionElement).value));
    expect(picked).toEqual(expect.arrayContaining(['gpu-a', ...IMPORTED]));
    expect(nodeListCalls).toBe(1);

    // A reload keeps the node page (the URL says so); the landing view is for an address without a route.
    await page.goto(`${serve.origin}/`);
    await page.getByTestId('app-ready').waitFor({ timeout: 30_000 });
    expect(nodeListCalls).toBe(2);
    expect(await page.getByTestId('app-ready').getAttribute('data-view')).toBe('fleet');
    await expect.poll(() => cells(page), { timeout: 15_000 }).toBe(EXPECTED_GPUS);
    const box = (await page.locator('.heatmap__canvas').boundingBox())!;
    await page.mouse.click(box.x + 4, box.y + 20);
    await expect.poll(() => page.getByTestId('node-header').textContent(), { timeout: 15_000 }).toContain('deep');
    // Two refusals were provoked on purpose: the missing default ssh config and the taken alias.
    const refused = problems.filter((p) => /status of 400 \(Bad Request\)/.test(p));
    expect(refused).toHaveLength(2);
    expect(problems.filter((p) => !/favicon/.test(p) && !refused.includes(p))).toEqual([]);
  });

  it('follows a dark system theme', async () => {
    const dark = await browser.newPage({ viewport: { width: 1440, height: 1000 }, colorScheme: 'dark' });
    await dark.goto(serve.url);
    await dark.getByTestId('page-fleet').waitFor({ timeout: 30_000 });
    await expect.poll(() => cells(dark), { timeout: 15_000 }).toBe(EXPECTED_GPUS);
    await dark.screenshot({ path: join(RESULTS, 'fleet-dark.png'), fullPage: true });
    await dark.getByTestId('add-node-open').click();
    await dark.getByTestId('add-node-submit').click();
    await dark.getByTestId('add-node-dialog').locator('.field__error').first().waitFor();
    await dark.screenshot({ path: join(RESULTS, 'add-node-dialog-dark.png') });
    await dark.keyboard.press('Escape');
    await dark.getByTestId('add-node-dialog').waitFor({ state: 'detached' });
    await dark.close();
  });
});
