// The failures timeline and the Settings form in Debian's Chromium against `clusterdeck serve`:
// a real SSH lab node whose fake journalctl serves a real Xid 79 capture (stamped a minute ago)
// shows the decoded Xid on its node page's timeline; Settings changes the collection interval
// and config.yaml is rewritten with the user's comments kept.
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../electron/core/store/db';
import { InventoryStore } from '../../electron/core/inventory/inventory-store';
import { isNetworkChangeNoise, launchChromium } from '../helpers/browser';
import { ROOT, isolatedEnv, startServe, type ServeProcess } from '../helpers/cli';
import { asJournalLines, fakeJournalctlScript, FakeJournal } from '../helpers/fake-kernel-log';
import { SshLab } from '../helpers/ssh-lab';

const RESULTS = join(ROOT, 'test-results');
const NODE = 'gpu-x';
const XID_CAPTURE = join(ROOT, 'test', 'fixtures', 'nvidia-smi', 'errors', 'xid-79-fallen-off-bus.kernel.txt');
const CONFIG_TEXT = [
  '# Clusterdeck settings, kept by hand: this comment must survive a save from Settings.',
  'collection:',
  '  # slow enough for a loaded CI machine',
  '  intervalMs: 3000',
  'alerts:',
  '  kernelLogIntervalMs: 2000 # read the kernel log often in this test',
  '',
].join('\n');

let lab: SshLab;
let serve: ServeProcess;
let browser: Browser;
let configPath: string;
const problems: string[] = [];

beforeAll(async () => {
  mkdirSync(RESULTS, { recursive: true });
  // The lab's login user runs the fake journalctl: the journal's folder must be open to it.
  const journalDir = mkdtempSync(join(tmpdir(), 'cd-e2e-journal-'));
  chmodSync(journalDir, 0o755);
  const journal = new FakeJournal(join(journalDir, 'journal'));
  lab = await SshLab.create({
    hosts: [{ name: NODE, nvidiaSmi: { xmlFixture: '2x-rtx-a5000-drv590-v13.xml' }, fakePrograms: { journalctl: fakeJournalctlScript(journal.path) } }],
  });
  const host = lab.host(NODE);
  // The real capture's lines, stamped a minute ago: inside the node page's 5-minute window.
  journal.append(asJournalLines(readFileSync(XID_CAPTURE, 'utf8'), host.hostname, Date.now() - 60_000));

  const env = isolatedEnv({ HOME: mkdtempSync(join(tmpdir(), 'cd-e2e-home-')) });
  configPath = join(env.XDG_CONFIG_HOME!, 'clusterdeck', 'config.yaml');
  mkdirSync(join(env.XDG_CONFIG_HOME!, 'clusterdeck'), { recursive: true });
  writeFileSync(configPath, CONFIG_TEXT);
  const dataDir = join(env.XDG_DATA_HOME!, 'clusterdeck');
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(join(dataDir, 'known_hosts'), `${host.hostPublicKeyLine}\n`);
  const dbPath = join(dataDir, 'timeline-e2e.db');
  const db = openDatabase(dbPath);
  new InventoryStore(db).add(
    { id: NODE, host: host.address, port: host.port, user: host.user, identityFiles: [host.privateKeyPath], useAgent: false, proxyJump: [], labels: [] },
    Date.now(),
  );
  db.close();
  serve = await startServe(['--db', dbPath], env);
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

describe('failures timeline and settings against a real SSH node', () => {
  let page: Page;
  beforeAll(async () => {
    page = await browser.newPage({ viewport: { width: 1440, height: 1200 }, colorScheme: 'light' });
    watchProblems(page);
  });
  afterAll(async () => {
    await page?.close();
  });

  it("shows the node's decoded Xid 79 on the timeline, on the charts' window, with its kernel lines", async () => {
    await page.goto(serve.url);
    await page.getByTestId('app-ready').waitFor({ timeout: 30_000 });
    await page.getByTestId('nav-fleet').click();
    await page.getByTestId(`node-link-${NODE}`).click({ timeout: 40_000 });
    await expect.poll(() => page.getByTestId('node-header').textContent(), { timeout: 15_000 }).toContain(NODE);

    const timeline = page.getByTestId('failures-timeline');
    await expect.poll(() => timeline.getAttribute('data-range'), { timeout: 15_000 }).toBe('5m');
    // The kernel log is read every 2 s; the timeline reloads on 'alerts:changed' or as the window moves on.
    await expect
      .poll(async () => Number(await timeline.getAttribute('data-events')), { timeout: 60_000, message: `no failure shown\n${serve.stderr()}` })
      .toBeGreaterThan(0);
    const mark = timeline.locator('.failure-mark--point[data-kind="xid"], .failure-mark--point[data-kind="fallen-off-bus"]').first();
    expect(await mark.getAttribute('data-severity')).toBe('critical');

    // On the window's axis: inside the track, in its right part (a minute ago of five).
    const track = (await mark.locator('xpath=..').boundingBox())!;
    const at = (await mark.boundingBox())!;
    const fraction = (at.x + at.width / 2 - track.x) / track.width;
    expect(fraction).toBeGreaterThan(0.5);
    expect(fraction).toBeLessThan(1.01);

    await mark.click();
    const detail = page.getByTestId('failures-detail');
    await detail.waitFor();
    const text = (await detail.textContent()) ?? '';
    expect(text).toMatch(/79/);
    expect(text).toMatch(/fallen off the bus/i);
    // Decoded from the Xid catalog, not only the kernel's words: the recommended action.
    expect(text).toContain('RESTART_BM');
    expect(text).toContain('NVRM: Xid (PCI:0000:06:00): 79, GPU has fallen off the bus.');
    await page.screenshot({ path: join(RESULTS, 'failures-timeline.png'), fullPage: true });

    // The fallen-off-the-bus alert it raised: a bar from when it fired, still going, linked to the alert.
    const alertBar = timeline.locator('[data-testid="failure-mark"][data-kind="fallen-off-bus"].failure-mark--span');
    await alertBar.first().waitFor({ timeout: 60_000 });
    expect(await alertBar.first().getAttribute('class')).toContain('failure-mark--ongoing');
    await alertBar.first().click();
    const alertLink = detail.getByTestId('failure-event-alert').first();
    expect(await alertLink.getAttribute('href')).toMatch(/^#\/alerts\/\d+$/);

    // The per-GPU filter: the Xid's GPU lane alone.
    const lane = mark.locator('xpath=ancestor::*[@data-lane][1]');
    const laneId = await lane.getAttribute('data-lane');
    if (laneId !== 'node') {
      const label = ((await lane.getAttribute('data-testid')) ?? '').replace('failures-lane-', '');
      await page.getByTestId(`failures-filter-${label}`).click();
      await expect.poll(() => timeline.locator('[data-testid^="failures-lane-"]').count()).toBe(1);
      await page.getByTestId('failures-filter-all').click();
      await expect.poll(() => timeline.locator('[data-testid^="failures-lane-"]').count()).toBeGreaterThan(1);
    }

    // The link opens the alert on the alerts page.
    await alertLink.click();
    await expect.poll(() => page.getByTestId('app-ready').getAttribute('data-view')).toBe('alerts');
    await page.getByTestId('page-alerts').waitFor();
  });

  it('changes the collection interval in Settings and writes config.yaml keeping its comments', async () => {
    await page.getByTestId('settings-open').click();
    const form = page.getByTestId('settings-form');
    await form.waitFor({ timeout: 15_000 });
    expect(await form.getAttribute('data-writable')).toBe('true');
    expect(await page.getByTestId('settings-config-path').textContent()).toBe(configPath);
    const interval = page.getByTestId('settings-intervalS');
    expect(await interval.inputValue()).toBe('3');

    // Refused here first, with the engine's own limits in the form's units.
    await interval.fill('0.2');
    await expect.poll(() => form.textContent()).toContain('at least 1 s');
    expect(await interval.getAttribute('aria-invalid')).toBe('true');
    expect(await page.getByTestId('settings-save').isDisabled()).toBe(false);

    await interval.fill('4');
    await expect.poll(() => page.getByTestId('settings-status').textContent()).toBe('1 unsaved change.');
    await page.getByTestId('settings-save').click();
    await expect.poll(() => page.getByTestId('settings-status').textContent(), { timeout: 15_000 }).toMatch(/^Saved at /);
    await page.screenshot({ path: join(RESULTS, 'settings-form.png'), fullPage: true });

    const written = readFileSync(configPath, 'utf8');
    expect(written).toContain('intervalMs: 4000');
    expect(written).not.toContain('intervalMs: 3000');
    expect(written).toContain('# Clusterdeck settings, kept by hand: this comment must survive a save from Settings.');
    expect(written).toContain('  # slow enough for a loaded CI machine');
    expect(written).toContain('kernelLogIntervalMs: 2000 # read the kernel log often in this test');
    // Only the interval changed: the rest of the file is as the user wrote it.
    expect(written).toBe(CONFIG_TEXT.replace('intervalMs: 3000', 'intervalMs: 4000'));

    // The engine's refusal is shown beside the form: a file that became invalid is not overwritten.
    writeFileSync(configPath, `${CONFIG_TEXT}bogus: true\n`);
    await interval.fill('5');
    await page.getByTestId('settings-save').click();
    await expect.poll(() => page.getByTestId('settings-server-error').textContent(), { timeout: 15_000 }).toMatch(/^Not saved: /);
    expect(readFileSync(configPath, 'utf8')).toBe(`${CONFIG_TEXT}bogus: true\n`);
    expect(problems.filter((p) => !/favicon|status of 400/.test(p))).toEqual([]);
  });
});
