// The alerts page in Debian's Chromium against `clusterdeck serve`, with real SSH nodes from the
// SSH lab whose fake nvidia-smi replays real failures: one node's NVML cannot start (driver/library
// version mismatch: a critical node alert), another's V100 has retired pages pending (a warning on
// one GPU). The page lists both with their decoded text; acknowledging moves one under
// Acknowledged; the fleet row, the heatmap, the node page and the top bar carry badges; a
// notification's `#/alerts/ID` opens the alert on load and on hashchange. Both shipped rules
// (gpu-driver-error, gpu-retired-pages-pending in rules/default.yaml) have `for: 0s`, so the serve
// runs with the shipped rules only: no user rules folder with shorter `for` is needed.
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SshNode } from '../../shared/model/inventory';
import { isNetworkChangeNoise, launchChromium } from '../helpers/browser';
import { ROOT, isolatedEnv, startServe, type ServeProcess } from '../helpers/cli';
import { SshLab } from '../helpers/ssh-lab';

const RESULTS = join(ROOT, 'test-results');
const INTERVAL_MS = 3000;
const BROKEN = 'nvml-broken';
const RETIRING = 'v100-retiring';
/** How the GPU collector decodes nvidia-smi's "Failed to initialize NVML: Driver/library version mismatch". */
const DECODED_MISMATCH = 'NVML driver/library version mismatch: the loaded kernel module differs from the user-space driver';

let lab: SshLab;
let serve: ServeProcess;
let browser: Browser;
let page: Page;
const problems: string[] = [];

beforeAll(async () => {
  mkdirSync(RESULTS, { recursive: true });
  lab = await SshLab.create({
    hosts: [
      // What nvidia-smi prints after a driver upgrade without a reboot (exit 18: NVML library version mismatch).
      { name: BROKEN, nvidiaSmi: { errorFixture: 'nvml-driver-library-version-mismatch.txt', exitCode: 18 } },
      { name: RETIRING, nvidiaSmi: { xmlFixture: 'v100-sxm3-32gb-retired-pages-drv410-v10.xml' } },
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
  serve = await startServe(['--db', join(dataDir, 'alerts-e2e.db')], env);
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1440, height: 1000 }, colorScheme: 'light' });
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

/** The id of the first alert row of a node on the alerts page (null: none shown). */
async function alertIdOf(nodeId: string): Promise<number | null> {
  const rows = page.locator(`[data-testid^="alert-row-"][data-node="${nodeId}"]`);
  if ((await rows.count()) === 0) return null;
  const testId = await rows.first().getAttribute('data-testid');
  return Number(testId!.replace('alert-row-', ''));
}

/** The rule ids of a node's rows on the alerts page's current tab. */
async function firingRulesOf(nodeId: string): Promise<string[]> {
  return page.locator(`[data-testid^="alert-row-"][data-node="${nodeId}"] .alert-row__rule`).allTextContents();
}

const badge = (testId: string) => page.getByTestId(testId);
const attr = async (testId: string, name: string) => ((await badge(testId).count()) === 0 ? null : badge(testId).getAttribute(name));

describe('alerts in the browser', () => {
  let brokenId = 0;

  it('badges the failing nodes on the fleet page, the heatmap and the top bar', async () => {
    await page.goto(serve.url);
    await page.getByTestId('app-ready').waitFor({ timeout: 30_000 });
    for (const name of [BROKEN, RETIRING]) {
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
    const message = () => `alerts should fire\n${lab.diagnostics()}`;
    await expect.poll(() => attr(`fleet-alerts-${BROKEN}`, 'data-severity'), { timeout: 60_000, message: message() }).toBe('critical');
    await expect.poll(() => attr(`fleet-alerts-${RETIRING}`, 'data-severity'), { timeout: 30_000, message: message() }).toBe('warning');
    // The V100's GPU is outlined on the heatmap; the top bar counts what fires, coloured by the worst.
    await expect.poll(() => page.getByTestId('gpu-heatmap').getAttribute('data-alert-gpus'), { timeout: 15_000 }).toMatch(new RegExp(`^${RETIRING}:GPU-`));
    expect(await attr('nav-alerts-count', 'data-severity')).toBe('critical');
    expect(Number(await badge('nav-alerts-count').textContent())).toBeGreaterThanOrEqual(2);
    expect(await attr('alert-summary', 'data-worst')).toBe('critical');
    await page.screenshot({ path: join(RESULTS, 'fleet-alert-badges.png'), fullPage: true });
  });

  it('lists the alerts with their decoded text, the rule and its runbook', async () => {
    await page.getByTestId('nav-alerts').click();
    await page.getByTestId('page-alerts').and(page.locator('[data-loaded="true"]')).waitFor({ timeout: 15_000 });
    await page.getByTestId('alerts-tab-firing').click();
    await expect.poll(() => alertIdOf(BROKEN), { timeout: 15_000 }).not.toBeNull();
    // Each failure is one firing alert of its shipped rule (no duplicates; both rules fire at once: `for: 0s`).
    expect(await firingRulesOf(BROKEN)).toEqual(['gpu-driver-error']);
    expect(await firingRulesOf(RETIRING)).toEqual(['gpu-retired-pages-pending']);
    brokenId = (await alertIdOf(BROKEN))!;
    const row = page.getByTestId(`alert-row-${brokenId}`);
    expect(await row.getAttribute('data-severity')).toBe('critical');
    // rules/default.yaml's gpu-driver-error message, "{{node}}: nvidia-smi failed: {{text}}", with the
    // collector's decoding of NVML's "Driver/library version mismatch" as the text.
    expect(await page.getByTestId(`alert-message-${brokenId}`).textContent()).toContain(`${BROKEN}: nvidia-smi failed: ${DECODED_MISMATCH}`);
    const retiringId = (await alertIdOf(RETIRING))!;
    expect(await page.getByTestId(`alert-row-${retiringId}`).getAttribute('data-severity')).toBe('warning');
    // gpu-retired-pages-pending's message: "{{node}} GPU {{gpu}}: retired pages are pending; ...".
    expect(await page.getByTestId(`alert-message-${retiringId}`).textContent()).toMatch(
      new RegExp(`^${RETIRING} GPU-[0-9a-f-]+: retired pages are pending; a GPU reset is needed to retire them\\.`),
    );

    await row.locator('button').first().click();
    const detail = page.getByTestId('alert-detail');
    await expect.poll(() => detail.getAttribute('data-alert-id')).toBe(String(brokenId));
    // gpu-driver-error's rationale and runbook as rules/default.yaml has them.
    expect(await page.getByTestId('alert-rule-rationale').textContent()).toContain('Without a working driver the node cannot run GPU jobs');
    expect(await page.getByTestId('alert-rule-runbook').textContent()).toContain(
      '"Driver/library version mismatch": the driver was upgraded without a reboot: drain and reboot.',
    );
    expect(await page.evaluate(() => window.location.hash)).toBe(`#/alerts/${brokenId}`);
  });

  it('acknowledges an alert with a comment; it moves under Acknowledged', async () => {
    await page.getByTestId('alert-ack-comment').fill('rebooting after the driver upgrade');
    await page.getByTestId('alert-ack').click();
    await expect.poll(() => page.getByTestId('alert-detail').getAttribute('data-view'), { timeout: 15_000 }).toBe('acknowledged');
    await expect.poll(() => page.getByTestId(`alert-row-${brokenId}`).count()).toBe(0);
    await page.getByTestId('alerts-tab-acknowledged').click();
    const row = page.getByTestId(`alert-row-${brokenId}`);
    await expect.poll(() => row.getAttribute('data-view')).toBe('acknowledged');
    expect(await row.textContent()).toContain('rebooting after the driver upgrade');
    expect(await page.getByTestId('alert-transitions').textContent()).toMatch(/acknowledged/);
    await page.screenshot({ path: join(RESULTS, 'alerts-acknowledged.png'), fullPage: true });
  });

  it("opens an alert from the URL's hash, on hashchange and on load", async () => {
    await page.getByTestId('nav-fleet').click();
    expect(await page.evaluate(() => window.location.hash)).toBe('#/fleet');
    await page.evaluate((id) => {
      window.location.hash = `#/alerts/${id}`;
    }, brokenId);
    await expect.poll(() => page.getByTestId('alert-detail').getAttribute('data-alert-id'), { timeout: 10_000 }).toBe(String(brokenId));
    expect(await page.locator('.app').getAttribute('data-view')).toBe('alerts');

    await page.goto(`${serve.url.split('#')[0]}#/alerts/${brokenId}`);
    await expect.poll(() => page.getByTestId('alert-detail').getAttribute('data-alert-id'), { timeout: 30_000 }).toBe(String(brokenId));
    expect(await page.getByTestId('alert-detail-message').textContent()).toContain(DECODED_MISMATCH);
  });

  it("badges the GPU on its node's page and links to its alerts", async () => {
    await page.getByTestId('nav-fleet').click();
    await page.getByTestId(`node-link-${RETIRING}`).click();
    await expect.poll(() => attr('gpu-0-alerts', 'data-severity'), { timeout: 15_000 }).toBe('warning');
    expect(await attr('node-alerts', 'data-severity')).toBe('warning');
    await page.getByTestId('gpu-0-alerts').click();
    await expect.poll(() => page.locator('.app').getAttribute('data-view')).toBe('alerts');
    // Filtered to that GPU: once the list is read, the V100's alert shows and the other node's
    // (acknowledged, so under the default "All" tab were the filter not applied) does not.
    await expect.poll(() => alertIdOf(RETIRING), { timeout: 10_000 }).not.toBeNull();
    expect(await alertIdOf(BROKEN)).toBeNull();
    expect(await page.evaluate(() => window.location.hash)).toMatch(new RegExp(`^#/alerts\\?node=${RETIRING}&gpu=`));
    expect(problems.filter((p) => !/favicon/.test(p))).toEqual([]);
  });
});
